import { useCallback, useState } from "react";
import { type ApiClient, toApiError } from "./api/client";
import type { GenerateAccepted, GenerateRequest } from "./api/types";
import { Gallery } from "./components/Gallery";
import { GalleryView } from "./components/GalleryView";
import { JobView } from "./components/JobView";
import { PromptForm } from "./components/PromptForm";
import { StatusBanner } from "./components/StatusBanner";
import { useRoute } from "./hooks/useRoute";
import { noticeFor, type Notice } from "./messages";
import { isPlainClick } from "./route";

export function App({ api }: { api: ApiClient }) {
  const [route, navigate] = useRoute();
  const [notice, setNotice] = useState<Notice | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const [accepted, setAccepted] = useState<GenerateAccepted | null>(null);
  const [recentKey, setRecentKey] = useState(0);
  const refreshRecent = useCallback(() => setRecentKey((key) => key + 1), []);

  const generate = async (request: GenerateRequest) => {
    setNotice(null);
    setSubmitting(true);
    try {
      const started = await api.generate(request);
      setAccepted(started);
      navigate({ view: "job", jobId: started.jobId });
    } catch (error) {
      setNotice(noticeFor(toApiError(error)));
    } finally {
      setSubmitting(false);
    }
  };

  const openGallery = (target: string) => {
    setNotice(null);
    navigate({ view: "gallery", target });
  };

  return (
    <div className="app">
      <header className="app-header">
        <h1>
          <a
            href="./"
            onClick={(event) => {
              if (!isPlainClick(event)) return;
              event.preventDefault();
              navigate({ view: "home" });
            }}
          >
            Pixel Prompt
          </a>
        </h1>
        <p className="muted">One prompt, every model, side by side.</p>
      </header>
      <main>
        <PromptForm
          busy={submitting}
          onGenerate={(request) => void generate(request)}
          enhance={(prompt) => api.enhance(prompt)}
          onNotice={setNotice}
        />
        <StatusBanner notice={notice} onDismiss={() => setNotice(null)} />
        {route.view === "job" && (
          <JobView
            key={route.jobId}
            api={api}
            jobId={route.jobId}
            expectedModels={accepted?.jobId === route.jobId ? accepted.totalModels : null}
            onFinished={refreshRecent}
          />
        )}
        {route.view === "gallery" && (
          <GalleryView key={route.target} api={api} target={route.target} />
        )}
        <Gallery api={api} refreshKey={recentKey} onOpen={openGallery} />
      </main>
    </div>
  );
}
