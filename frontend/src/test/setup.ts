import "@testing-library/jest-dom/vitest";
import { cleanup } from "@testing-library/react";
import { afterEach } from "vitest";

afterEach(async () => {
  cleanup();
  // A dialog open at unmount takes its history entry back, asynchronously: let that land.
  await new Promise((settle) => setTimeout(settle, 20));
  window.history.replaceState(null, "", "/");
  window.sessionStorage.clear();
  window.localStorage.clear();
  document.title = "";
});
