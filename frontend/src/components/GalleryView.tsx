import type { ApiClient } from "../api/client";
import type { Gallery, Job } from "../api/types";
import { cardsFromGallery } from "../cards";
import { jobFor } from "../history";
import { useGallery } from "../hooks/resources";
import { useJobPolling } from "../hooks/useJobPolling";
import { noticeFor } from "../messages";
import { routeUrl } from "../route";
import { GenerationActions } from "./GenerationActions";
import { JobView } from "./JobView";
import { ResultsGrid } from "./ResultsGrid";
import { StatusBanner } from "./StatusBanner";

interface Props {
  api: ApiClient;
  target: string;
  onReuse: (prompt: string, parameters: Record<string, unknown>) => void;
}

const noop = () => {};

/** A generation reopened from the history. With its job (named by the server, or run in this
 * browser) it shows every model's outcome, failures included, with times, cost and settings;
 * otherwise the stored images. */
export function GalleryView({ api, target, onReuse }: Props) {
  const gallery = useGallery(api, target);
  const jobId = gallery.data?.jobId ?? jobFor(target);
  const { snapshot } = useJobPolling(api, gallery.data ? jobId : null);
  const link = routeUrl({ view: "gallery", target }, window.location);

  if (gallery.error) return <StatusBanner notice={noticeFor(gallery.error)} />;
  if (!gallery.data) return <p className="muted">Loading the generation…</p>;
  // The job may have expired (30 days) while its images stay: then the images alone.
  if (jobId && snapshot?.job) {
    return (
      <JobView
        api={api}
        jobId={jobId}
        snapshot={snapshot}
        expectedModels={null}
        onFinished={noop}
        link={link}
        onReuse={(job: Job) => onReuse(job.prompt, job.parameters)}
        reopened
      />
    );
  }
  if (jobId && snapshot === null) return <p className="muted">Loading the generation…</p>;
  return <ImagesOnly gallery={gallery.data} link={link} onReuse={onReuse} />;
}

function ImagesOnly({
  gallery,
  link,
  onReuse,
}: {
  gallery: Gallery;
  link: string;
  onReuse: Props["onReuse"];
}) {
  const prompt = gallery.images.find((image) => image.prompt)?.prompt ?? "";
  const count = gallery.images.length;
  const cards = cardsFromGallery(gallery.images);
  return (
    <section className="results" aria-labelledby="gallery-title">
      <ResultsGrid
        cards={cards}
        prompt={prompt}
        header={
          <div className="results-head">
            <h2 id="gallery-title" className="results-prompt visually-hidden">
              {prompt ? `“${prompt}”` : "A past generation"}
            </h2>
            <p className="muted">
              Reopened from the history · {count} image{count === 1 ? "" : "s"} (models that failed
              are not stored with it)
            </p>
          </div>
        }
      />
      <GenerationActions
        cards={cards}
        prompt={prompt}
        settings=""
        link={link}
        onReuse={() => onReuse(prompt, {})}
      />
    </section>
  );
}
