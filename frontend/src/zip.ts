import { strToU8, zipSync } from "fflate";
import type { Card } from "./cards";

/** "a-lighthouse-at-dusk": a file-name-safe form of a prompt, for the archive's name. */
export function slugify(text: string, max = 40): string {
  const slug = text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, max)
    .replace(/-+$/, "");
  return slug || "generation";
}

const EXTENSIONS: Record<string, string> = {
  "image/png": "png",
  "image/jpeg": "jpg",
  "image/webp": "webp",
  "image/gif": "gif",
};

/** An image's name in the archive: its order, its model, the type it came as. */
export function entryName(position: number, model: string, mediaType: string, url: string): string {
  const fromUrl = /\.([a-z0-9]{3,4})(?:[?#]|$)/i.exec(url)?.[1]?.toLowerCase();
  const extension = EXTENSIONS[mediaType.split(";")[0]!.trim()] ?? fromUrl ?? "bin";
  return `${String(position).padStart(2, "0")}-${slugify(model)}.${extension}`;
}

export interface ZipEntry {
  name: string;
  data: Uint8Array;
}

/** The archive: the images, already compressed, are stored; a README says what they are. */
export function buildZip(entries: ZipEntry[], readme: string): Uint8Array {
  const files: Record<string, [Uint8Array, { level: 0 }]> = {
    "README.txt": [strToU8(readme), { level: 0 }],
  };
  for (const entry of entries) files[entry.name] = [entry.data, { level: 0 }];
  return zipSync(files);
}

/** What README.txt says: the prompt, the settings, and which model made which file. */
export function readmeFor(prompt: string, settings: string, lines: string[]): string {
  return [`Prompt: ${prompt}`, settings ? `Settings: ${settings}` : "", "", ...lines, ""]
    .filter((line, i) => line !== "" || i > 1)
    .join("\n");
}

/** Fetch every finished image and zip them; images that fail to download are listed in the
 * README instead, so the person knows what is missing. */
export async function zipCards(
  cards: Card[],
  prompt: string,
  settings: string,
  fetchImpl: typeof fetch = globalThis.fetch.bind(globalThis),
): Promise<{ data: Uint8Array; missing: string[] }> {
  const entries: ZipEntry[] = [];
  const lines: string[] = [];
  const missing: string[] = [];
  let position = 0;
  for (const card of cards) {
    position += 1;
    if (card.state !== "done" || !card.imageUrl) {
      lines.push(`${card.model}: no image (${card.state})`);
      continue;
    }
    try {
      const response = await fetchImpl(card.imageUrl);
      if (!response.ok) throw new Error(String(response.status));
      const type = response.headers.get("Content-Type") ?? "";
      const name = entryName(position, card.model, type, card.imageUrl);
      entries.push({ name, data: new Uint8Array(await response.arrayBuffer()) });
      lines.push(`${name}: ${card.model}${card.detail ? ` (${card.detail})` : ""}`);
    } catch {
      missing.push(card.model);
      lines.push(`${card.model}: the image could not be downloaded`);
    }
  }
  return { data: buildZip(entries, readmeFor(prompt, settings, lines)), missing };
}
