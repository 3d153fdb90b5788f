import { useEffect, useState } from "react";
import { type ApiClient, type ApiError, toApiError } from "../api/client";
import type { Gallery } from "../api/types";
import { cardsFromGallery } from "../cards";
import { noticeFor } from "../messages";
import { ResultsGrid } from "./ResultsGrid";
import { StatusBanner } from "./StatusBanner";

interface Props {
  api: ApiClient;
  target: string;
}

/** A generation reopened from the gallery: its images, as the grid showed them. */
export function GalleryView({ api, target }: Props) {
  const [gallery, setGallery] = useState<Gallery | null>(null);
  const [error, setError] = useState<ApiError | null>(null);

  useEffect(() => {
    let current = true;
    api.gallery(target).then(
      (loaded) => current && setGallery(loaded),
      (failure: unknown) => current && setError(toApiError(failure)),
    );
    return () => {
      current = false;
    };
  }, [api, target]);

  if (error) return <StatusBanner notice={noticeFor(error)} />;
  if (!gallery) return <p className="muted">Loading the generation…</p>;
  const prompt = gallery.images.find((image) => image.prompt)?.prompt ?? "";
  const count = gallery.images.length;
  return (
    <section className="results" aria-labelledby="gallery-title">
      <div className="results-head">
        <h2 id="gallery-title" className="results-prompt">
          {prompt ? `“${prompt}”` : "A past generation"}
        </h2>
        <p className="muted">
          From the gallery · {count} image{count === 1 ? "" : "s"}
        </p>
      </div>
      <ResultsGrid cards={cardsFromGallery(gallery.images)} prompt={prompt} />
    </section>
  );
}
