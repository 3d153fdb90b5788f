import { useCallback, useEffect, useState, type MouseEvent } from "react";
import { type ApiClient, toApiError } from "./api/client";
import type { GenerateAccepted, GenerateRequest, Job } from "./api/types";
import { History } from "./components/History";
import { GalleryView } from "./components/GalleryView";
import { JobView } from "./components/JobView";
import { LeaderboardPage } from "./components/LeaderboardPage";
import { PromptForm, type RunState } from "./components/PromptForm";
import { SpendMeter } from "./components/SpendMeter";
import { StatusBanner } from "./components/StatusBanner";
import { settingsFrom, type Settings } from "./controls";
import { rememberJob } from "./history";
import { useModels, useUsage } from "./hooks/resources";
import { useJobPolling } from "./hooks/useJobPolling";
import { useRoute } from "./hooks/useRoute";
import { noticeFor, type Notice } from "./messages";
import { tabTitle } from "./progress";
import { isPlainClick, routeUrl, type Route } from "./route";

interface Preset {
  nonce: number;
  prompt: string;
  settings: Settings;
}

export function App({ api }: { api: ApiClient }) {
  const [route, navigate] = useRoute();
  const [notice, setNotice] = useState<Notice | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const [cancelling, setCancelling] = useState<string | null>(null);
  const [accepted, setAccepted] = useState<GenerateAccepted | null>(null);
  const [refreshKey, setRefreshKey] = useState(0);
  const [preset, setPreset] = useState<Preset | null>(null);
  const models = useModels(api);
  const usage = useUsage(api, refreshKey);
  const jobId = route.view === "job" ? route.jobId : null;
  const { snapshot, pollNow } = useJobPolling(api, jobId);
  const job = snapshot?.job ?? null;

  const refresh = useCallback(() => setRefreshKey((key) => key + 1), []);
  const finished = useCallback(() => {
    refresh();
    setCancelling(null);
  }, [refresh]);

  useEffect(() => {
    document.title = route.view === "job" ? tabTitle(job) : "Pixel Prompt";
  }, [route.view, job]);

  useEffect(() => {
    if (job?.target) rememberJob(job.target, job.jobId);
  }, [job?.target, job?.jobId]);

  const go = (next: Route) => {
    setNotice(null);
    navigate(next);
  };

  const generate = async (request: GenerateRequest) => {
    setNotice(null);
    setSubmitting(true);
    try {
      const started = await api.generate(request);
      setAccepted(started);
      navigate({ view: "job", jobId: started.jobId });
      refresh(); // the reservation shows in today's spend
    } catch (error) {
      setNotice(noticeFor(toApiError(error), new Date(), "generate"));
      refresh();
    } finally {
      setSubmitting(false);
    }
  };

  const cancel = async () => {
    if (!jobId) return;
    setCancelling(jobId);
    try {
      await api.cancel(jobId);
    } catch (error) {
      setNotice(noticeFor(toApiError(error)));
      setCancelling(null);
    }
    pollNow();
  };

  const reuse = (prompt: string, parameters: Record<string, unknown>) => {
    setPreset((old) => ({
      nonce: (old?.nonce ?? 0) + 1,
      prompt,
      settings: settingsFrom(parameters),
    }));
    go({ view: "home" });
    window.scrollTo?.({ top: 0 });
    requestAnimationFrame(() => document.querySelector<HTMLElement>(".prompt-input")?.focus());
  };

  const run: RunState =
    route.view !== "job" || !snapshot
      ? route.view === "job"
        ? "running"
        : "idle"
      : snapshot.finished
        ? "finished"
        : "running";
  const shownPrompt = route.view === "job" ? (job?.prompt ?? null) : null;
  const compact = route.view === "job" || route.view === "gallery";
  const home = (event: MouseEvent) => {
    if (!isPlainClick(event)) return;
    event.preventDefault();
    go({ view: "home" });
  };

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <div className="brand">
          <h1>
            <a href="./" onClick={home}>
              Pixel Prompt
            </a>
          </h1>
          <p className="muted tagline">One prompt, every model, side by side.</p>
        </div>
        <nav aria-label="Pages" className="nav">
          <a
            href="./"
            onClick={home}
            aria-current={route.view !== "leaderboard" ? "page" : undefined}
          >
            Generate
          </a>
          <a
            href="?view=leaderboard"
            aria-current={route.view === "leaderboard" ? "page" : undefined}
            onClick={(event) => {
              if (!isPlainClick(event)) return;
              event.preventDefault();
              go({ view: "leaderboard" });
            }}
          >
            Leaderboard
          </a>
        </nav>
        <SpendMeter usage={usage.data} />
      </header>
      <main id="main" tabIndex={-1}>
        {route.view === "leaderboard" ? (
          <LeaderboardPage api={api} />
        ) : (
          <>
            <PromptForm
              key={preset?.nonce ?? 0}
              busy={submitting}
              onGenerate={(request) => void generate(request)}
              enhance={(prompt) => api.enhance(prompt)}
              onNotice={setNotice}
              run={run}
              onCancel={() => void cancel()}
              cancelling={cancelling !== null && cancelling === jobId}
              compact={compact}
              models={models.data?.models ?? null}
              shownPrompt={shownPrompt}
              initial={preset}
            />
            <StatusBanner notice={notice} onDismiss={() => setNotice(null)} />
            {route.view === "job" && (
              <JobView
                key={route.jobId}
                api={api}
                jobId={route.jobId}
                snapshot={snapshot}
                expectedModels={accepted?.jobId === route.jobId ? accepted.totalModels : null}
                scrollIntoView={accepted?.jobId === route.jobId}
                onFinished={finished}
                link={routeUrl(route, window.location)}
                onReuse={(shown: Job) => reuse(shown.prompt, shown.parameters)}
              />
            )}
            {route.view === "gallery" && (
              <GalleryView key={route.target} api={api} target={route.target} onReuse={reuse} />
            )}
            <History
              api={api}
              refreshKey={refreshKey}
              onOpen={(target) => go({ view: "gallery", target })}
            />
          </>
        )}
      </main>
    </div>
  );
}
