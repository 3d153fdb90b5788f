import type { Notice } from "../messages";

interface Props {
  notice: Notice | null;
  onDismiss?: () => void;
}

/** A message region that is always in the page, so screen readers announce what appears in it. */
export function StatusBanner({ notice, onDismiss }: Props) {
  return (
    <div className="banner-slot" aria-live="polite" aria-atomic="true">
      {notice && (
        <div className={`banner banner-${notice.tone}`} data-tone={notice.tone}>
          <div>
            <p className="banner-title">{notice.title}</p>
            {notice.detail && <p className="banner-detail">{notice.detail}</p>}
          </div>
          {onDismiss && (
            <button type="button" className="button-quiet" onClick={onDismiss}>
              Dismiss
            </button>
          )}
        </div>
      )}
    </div>
  );
}
