// One hook per API resource, each a thin wrapper over useResource.
import type { ApiClient } from "../api/client";
import type { Gallery, Leaderboard, ModelList, Usage } from "../api/types";
import { useResource, type Resource } from "./useResource";

/** `GET /models`: the configured models and the controls they honour. */
export function useModels(api: ApiClient): Resource<ModelList> {
  return useResource(() => api.models(), "models");
}

/** `GET /usage`: today's spend; `refreshKey` reloads it (a job ended). */
export function useUsage(api: ApiClient, refreshKey: number): Resource<Usage> {
  return useResource(() => api.usage(), `usage-${refreshKey}`, true);
}

/** `GET /leaderboard`. */
export function useLeaderboard(api: ApiClient): Resource<Leaderboard> {
  return useResource(() => api.leaderboard(), "leaderboard");
}

/** `GET /gallery/{target}`: one stored generation. */
export function useGallery(api: ApiClient, target: string | null): Resource<Gallery> {
  return useResource(target === null ? null : () => api.gallery(target), `gallery-${target}`);
}
