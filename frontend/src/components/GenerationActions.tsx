import { useState } from "react";
import type { Card } from "../cards";
import { slugify, zipCards } from "../zip";

interface Props {
  cards: Card[];
  prompt: string;
  /** The settings in words, for the archive's README. */
  settings: string;
  /** The address to share. */
  link: string;
  onReuse: () => void;
}

type Progress = { state: "idle" } | { state: "busy" } | { state: "done"; text: string };

/** Reuse the prompt, copy a link to this generation, or download every image as one zip,
 * built in the browser. */
export function GenerationActions({ cards, prompt, settings, link, onReuse }: Props) {
  const [copied, setCopied] = useState<string>("");
  const [zip, setZip] = useState<Progress>({ state: "idle" });
  const images = cards.filter((card) => card.state === "done" && card.imageUrl);

  const copyLink = async () => {
    try {
      await navigator.clipboard.writeText(link);
      setCopied("Link copied.");
    } catch {
      setCopied(`Could not copy: the link is ${link}`);
    }
  };
  const downloadAll = async () => {
    setZip({ state: "busy" });
    const { data, missing } = await zipCards(cards, prompt, settings);
    const url = URL.createObjectURL(new Blob([data as BlobPart], { type: "application/zip" }));
    const anchor = document.createElement("a");
    anchor.href = url;
    anchor.download = `pixel-prompt-${slugify(prompt)}.zip`;
    document.body.append(anchor);
    anchor.click();
    anchor.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    setZip({
      state: "done",
      text:
        missing.length === 0
          ? `Downloaded ${images.length} image${images.length === 1 ? "" : "s"} as a zip.`
          : `Downloaded a zip; ${missing.join(", ")} could not be fetched.`,
    });
  };

  return (
    <div className="actions generation-actions">
      <button type="button" className="button-secondary" onClick={onReuse}>
        Reuse prompt
      </button>
      <button type="button" className="button-secondary" onClick={() => void copyLink()}>
        Copy link
      </button>
      <button
        type="button"
        className="button-secondary"
        disabled={images.length === 0 || zip.state === "busy"}
        onClick={() => void downloadAll()}
      >
        {zip.state === "busy" ? "Zipping…" : "Download all"}
      </button>
      <span className="copy-status" role="status">
        {copied} {zip.state === "done" ? zip.text : ""}
      </span>
    </div>
  );
}
