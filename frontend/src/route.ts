import type { MouseEvent } from "react";

/** What the address bar holds: the current job, a reopened generation or the leaderboard, in
 * the query string so that a static host needs no rewrites and a reload resumes where the
 * person was. */
export type Route =
  | { view: "home" }
  | { view: "job"; jobId: string }
  | { view: "gallery"; target: string }
  | { view: "leaderboard" };

export function parseRoute(search: string): Route {
  const query = new URLSearchParams(search);
  const jobId = query.get("job");
  if (jobId) return { view: "job", jobId };
  const target = query.get("gallery");
  if (target) return { view: "gallery", target };
  if (query.get("view") === "leaderboard") return { view: "leaderboard" };
  return { view: "home" };
}

/** A link to `route`, relative to the page, so the app works wherever it is hosted. */
export function routeHref(route: Route): string {
  switch (route.view) {
    case "job":
      return `?job=${encodeURIComponent(route.jobId)}`;
    case "gallery":
      return `?gallery=${encodeURIComponent(route.target)}`;
    case "leaderboard":
      return "?view=leaderboard";
    case "home":
      return "./";
  }
}

/** The absolute address of `route`, to copy and share. */
export function routeUrl(route: Route, location: { origin: string; pathname: string }): string {
  const href = routeHref(route);
  return `${location.origin}${location.pathname}${href === "./" ? "" : href}`;
}

/** A click that should stay in this tab, rather than open a link in a new one. */
export function isPlainClick(event: MouseEvent): boolean {
  return event.button === 0 && !event.metaKey && !event.ctrlKey && !event.shiftKey && !event.altKey;
}
