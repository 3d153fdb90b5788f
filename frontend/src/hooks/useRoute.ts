import { useCallback, useEffect, useState } from "react";
import { parseRoute, routeHref, type Route } from "../route";

/** The route in the address bar; `navigate` adds a history entry, Back and Forward work. */
export function useRoute(): [Route, (next: Route) => void] {
  const [route, setRoute] = useState<Route>(() => parseRoute(window.location.search));

  useEffect(() => {
    const onPopState = () => setRoute(parseRoute(window.location.search));
    window.addEventListener("popstate", onPopState);
    return () => window.removeEventListener("popstate", onPopState);
  }, []);

  const navigate = useCallback((next: Route) => {
    window.history.pushState(null, "", routeHref(next));
    setRoute(next);
  }, []);

  return [route, navigate];
}
