import { useEffect, useId, useRef, useState, type KeyboardEvent } from "react";
import { altText } from "../cards";

interface Props {
  model: string;
  imageUrl: string;
  prompt: string;
  onClose: () => void;
}

type CopyState = "idle" | "copied" | "failed";

const FOCUSABLE = "a[href], button:not([disabled]), [tabindex]:not([tabindex='-1'])";

/** The image's file name, for the download. */
export function fileName(url: string): string {
  const last = new URL(url, window.location.href).pathname.split("/").pop();
  return last ? decodeURIComponent(last) : "image.png";
}

/** One image, large, as a modal dialog: Escape or Close ends it and focus goes back. */
export function Lightbox({ model, imageUrl, prompt, onClose }: Props) {
  const titleId = useId();
  const dialogRef = useRef<HTMLDivElement>(null);
  const closeRef = useRef<HTMLButtonElement>(null);
  const [copy, setCopy] = useState<CopyState>("idle");
  const close = useRef(onClose);
  useEffect(() => {
    close.current = onClose;
  });

  // Once per opening: focus moves in, Escape closes, focus returns to the opener at the end.
  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const overflow = document.body.style.overflow;
    document.body.style.overflow = "hidden";
    closeRef.current?.focus();
    const onKey = (event: globalThis.KeyboardEvent) => {
      if (event.key === "Escape") close.current();
    };
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("keydown", onKey);
      document.body.style.overflow = overflow;
      opener?.focus();
    };
  }, []);

  const keepFocusInside = (event: KeyboardEvent<HTMLDivElement>) => {
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

  const copyPrompt = async () => {
    try {
      await navigator.clipboard.writeText(prompt);
      setCopy("copied");
    } catch {
      setCopy("failed");
    }
  };

  return (
    <div
      className="lightbox-backdrop"
      onClick={(event) => {
        if (event.target === event.currentTarget) onClose();
      }}
    >
      <div
        ref={dialogRef}
        className="lightbox"
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        onKeyDown={keepFocusInside}
      >
        <div className="lightbox-head">
          <h2 id={titleId}>{model}</h2>
          <button ref={closeRef} type="button" className="button-quiet" onClick={onClose}>
            Close
          </button>
        </div>
        <img className="lightbox-image" src={imageUrl} alt={altText(model, prompt)} />
        {prompt && <p className="lightbox-prompt">{prompt}</p>}
        <div className="actions">
          <a
            className="button button-secondary"
            href={imageUrl}
            download={fileName(imageUrl)}
            target="_blank"
            rel="noopener"
          >
            Download
          </a>
          <button type="button" className="button-secondary" onClick={() => void copyPrompt()}>
            Copy prompt
          </button>
          <span className="copy-status" role="status">
            {copy === "copied" && "Prompt copied."}
            {copy === "failed" && "Could not copy: select the prompt above and copy it."}
          </span>
        </div>
      </div>
    </div>
  );
}
