import { useEffect, useId, useState } from "react";
import type { ApiClient } from "../api/client";
import type { GalleryItem } from "../api/types";
import { searchByPrompt } from "../history";
import { useGallery } from "../hooks/resources";
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

/** Past generations on this deployment, newest first, with a thumbnail and a search by prompt;
 * each reopens with every model's outcome. */
export function History({ api, refreshKey, onOpen }: Props) {
  const searchId = useId();
  const [items, setItems] = useState<GalleryItem[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [load, setLoad] = useState<Load>("loading");
  const [attempt, setAttempt] = useState(0);
  const [loadingMore, setLoadingMore] = useState(false);
  const [query, setQuery] = useState("");

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

  const found = searchByPrompt(items, query);
  return (
    <section className="recent" aria-labelledby="recent-title">
      <div className="recent-head">
        <h2 id="recent-title">Recent generations</h2>
        <p className="muted recent-shared">
          Generations on this deployment are visible to everyone who uses it.
        </p>
      </div>
      {items.length > 0 && (
        <div className="field recent-search">
          <label htmlFor={searchId} className="label">
            Search prompts
          </label>
          <input
            id={searchId}
            type="search"
            value={query}
            placeholder="lighthouse"
            onChange={(event) => setQuery(event.target.value)}
          />
        </div>
      )}
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
        <p className="muted">Nothing yet: generations made here will be listed.</p>
      )}
      {query && (
        <p className="muted" role="status">
          {found.length} of {items.length} loaded generation{items.length === 1 ? "" : "s"} match.
        </p>
      )}
      {found.length > 0 && (
        <ul className="recent-list">
          {found.map((item) => (
            <HistoryItem key={item.target} api={api} item={item} onOpen={onOpen} />
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

function HistoryItem({
  api,
  item,
  onOpen,
}: {
  api: ApiClient;
  item: GalleryItem;
  onOpen: (target: string) => void;
}) {
  const gallery = useGallery(api, item.target);
  const thumbnail = gallery.data?.images[0]?.imageUrl ?? null;
  return (
    <li>
      <a
        className="recent-item"
        href={routeHref({ view: "gallery", target: item.target })}
        onClick={(event) => {
          if (!isPlainClick(event)) return;
          event.preventDefault();
          onOpen(item.target);
        }}
      >
        <span className="recent-thumb" aria-hidden="true">
          {thumbnail && <img src={thumbnail} alt="" loading="lazy" />}
        </span>
        <span className="recent-text">
          <span className="recent-prompt">{item.prompt}</span>
          <span className="recent-meta">
            {formatDate(item.createdAt)} · {item.imageCount} image
            {item.imageCount === 1 ? "" : "s"}
          </span>
        </span>
      </a>
    </li>
  );
}
