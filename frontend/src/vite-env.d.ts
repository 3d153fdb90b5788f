/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** The API's base URL; unset or "" means the page's own origin. */
  readonly VITE_API_URL?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
