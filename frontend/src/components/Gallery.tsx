import { useEffect, useState } from "react";
import type { ApiClient } from "../api/client";
import type { GalleryItem } from "../api/types";
import { isPlainClick, routeHref } from "../route";

interface Props {
  api: ApiClient;
  /** Changes whenever the list may have grown (a job finished). */
  refreshKey: number;
  onOpen: (target: string) => void;
}

type Load = "loading" | "ready" | "failed";

function formatDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? iso
    : date.toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
}

/** Recent generations, newest first, each a link that reopens it. */
export function Gallery({ api, refreshKey, onOpen }: Props) {
  const [items, setItems] = useState<GalleryItem[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [load, setLoad] = useState<Load>("loading");
  const [attempt, setAttempt] = useState(0);
  const [loadingMore, setLoadingMore] = useState(false);

  useEffect(() => {
    let current = true;
    api.galleries().then(
      (page) => {
        if (!current) return;
        setItems(page.galleries);
        setCursor(page.nextCursor);
        setLoad("ready");
      },
      () => {
        if (current) setLoad("failed");
      },
    );
    return () => {
      current = false;
    };
  }, [api, refreshKey, attempt]);

  const showMore = async () => {
    if (!cursor) return;
    setLoadingMore(true);
    try {
      const page = await api.galleries(cursor);
      setItems((shown) => [...shown, ...page.galleries]);
      setCursor(page.nextCursor);
    } catch {
      setLoad("failed");
    } finally {
      setLoadingMore(false);
    }
  };

  return (
    <section className="recent" aria-labelledby="recent-title">
      <h2 id="recent-title">Recent generations</h2>
      {load === "loading" && items.length === 0 && <p className="muted">Loading…</p>}
      {load === "failed" && (
        <p className="muted">
          Recent generations could not be loaded.{" "}
          <button type="button" className="button-link" onClick={() => setAttempt((n) => n + 1)}>
            Try again
          </button>
        </p>
      )}
      {load === "ready" && items.length === 0 && (
        <p className="muted">Nothing yet: your generations will be listed here.</p>
      )}
      {items.length > 0 && (
        <ul className="recent-list">
          {items.map((item) => (
            <li key={item.target}>
              <a
                className="recent-item"
                href={routeHref({ view: "gallery", target: item.target })}
                onClick={(event) => {
                  if (!isPlainClick(event)) return;
                  event.preventDefault();
                  onOpen(item.target);
                }}
              >
                <span className="recent-prompt">{item.prompt}</span>
                <span className="recent-meta">
                  {formatDate(item.createdAt)} · {item.imageCount} image
                  {item.imageCount === 1 ? "" : "s"}
                </span>
              </a>
            </li>
          ))}
        </ul>
      )}
      {cursor && load === "ready" && (
        <button
          type="button"
          className="button-secondary"
          onClick={() => void showMore()}
          disabled={loadingMore}
        >
          {loadingMore ? "Loading…" : "Show more"}
        </button>
      )}
    </section>
  );
}
