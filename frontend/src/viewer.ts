/** The pure parts of the image viewer and the side-by-side view. */

/** The index `delta` steps from `current` among `count` images, wrapping at either end. */
export function step(current: number, delta: number, count: number): number {
  if (count <= 0) return 0;
  return (((current + delta) % count) + count) % count;
}

/** A horizontal swipe: -1 (to the previous image, finger moved right), +1 (next), 0 (none). */
export function swipeDirection(dx: number, dy: number, threshold = 50): -1 | 0 | 1 {
  if (Math.abs(dx) < threshold || Math.abs(dx) < Math.abs(dy) * 1.5) return 0;
  return dx > 0 ? -1 : 1;
}

/** A zoom and pan shared by the two sides: scale, then translate in pixels of the frame. */
export interface View {
  scale: number;
  x: number;
  y: number;
}

export const RESET: View = { scale: 1, x: 0, y: 0 };
export const MIN_SCALE = 1;
export const MAX_SCALE = 8;

/** Keep the zoomed image covering its frame: no panning past the image's edges. */
export function clampView(view: View, width: number, height: number): View {
  const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, view.scale));
  const maxX = ((scale - 1) * width) / 2;
  const maxY = ((scale - 1) * height) / 2;
  const clamp = (value: number, max: number) => Math.min(max, Math.max(-max, value));
  return { scale, x: clamp(view.x, maxX), y: clamp(view.y, maxY) };
}

/** Zoom by `factor` keeping the point (px, py), relative to the frame's centre, in place. */
export function zoomAt(
  view: View,
  factor: number,
  px: number,
  py: number,
  width: number,
  height: number,
): View {
  const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, view.scale * factor));
  const ratio = scale / view.scale;
  return clampView(
    { scale, x: px - (px - view.x) * ratio, y: py - (py - view.y) * ratio },
    width,
    height,
  );
}

export function panBy(view: View, dx: number, dy: number, width: number, height: number): View {
  return clampView({ ...view, x: view.x + dx, y: view.y + dy }, width, height);
}
