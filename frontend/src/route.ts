import type { MouseEvent } from "react";

/** What the address bar holds: the current job or a reopened generation, in the query string
 * so that a static host needs no rewrites and a reload resumes where the person was. */
export type Route =
  { view: "home" } | { view: "job"; jobId: string } | { view: "gallery"; target: string };

export function parseRoute(search: string): Route {
  const query = new URLSearchParams(search);
  const jobId = query.get("job");
  if (jobId) return { view: "job", jobId };
  const target = query.get("gallery");
  if (target) return { view: "gallery", target };
  return { view: "home" };
}

/** A link to `route`, relative to the page, so the app works wherever it is hosted. */
export function routeHref(route: Route): string {
  switch (route.view) {
    case "job":
      return `?job=${encodeURIComponent(route.jobId)}`;
    case "gallery":
      return `?gallery=${encodeURIComponent(route.target)}`;
    case "home":
      return "./";
  }
}

/** A click that should stay in this tab, rather than open a link in a new one. */
export function isPlainClick(event: MouseEvent): boolean {
  return event.button === 0 && !event.metaKey && !event.ctrlKey && !event.shiftKey && !event.altKey;
}
