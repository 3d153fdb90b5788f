import { useEffect, useRef, type KeyboardEvent, type RefObject } from "react";

const FOCUSABLE =
  "a[href], button:not([disabled]), input:not([disabled]), [tabindex]:not([tabindex='-1'])";

/**
 * A modal dialog's behaviour, once per opening: focus moves to `initial`, the page behind stops
 * scrolling, Escape closes, and so does the browser's Back button (the dialog adds a history
 * entry, which closing by other means takes back). Focus returns to the opener at the end.
 * Returns the keydown handler that keeps Tab inside the dialog.
 */
export function useDialog(
  dialogRef: RefObject<HTMLElement | null>,
  initialRef: RefObject<HTMLElement | null>,
  onClose: () => void,
): (event: KeyboardEvent<HTMLElement>) => void {
  const close = useRef(onClose);
  useEffect(() => {
    close.current = onClose;
  });

  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const overflow = document.body.style.overflow;
    document.body.style.overflow = "hidden";
    initialRef.current?.focus();
    let closedByBack = false;
    window.history.pushState({ dialog: true }, "", window.location.href);
    const onPopState = () => {
      closedByBack = true;
      close.current();
    };
    const onKey = (event: globalThis.KeyboardEvent) => {
      if (event.key === "Escape") close.current();
    };
    window.addEventListener("popstate", onPopState);
    document.addEventListener("keydown", onKey);
    return () => {
      window.removeEventListener("popstate", onPopState);
      document.removeEventListener("keydown", onKey);
      document.body.style.overflow = overflow;
      if (!closedByBack && (window.history.state as { dialog?: boolean } | null)?.dialog) {
        window.history.back();
      }
      opener?.focus();
    };
  }, [initialRef]);

  return (event) => {
    if (event.key !== "Tab" || !dialogRef.current) return;
    const focusable = [...dialogRef.current.querySelectorAll<HTMLElement>(FOCUSABLE)];
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last?.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first?.focus();
    }
  };
}
