import { useState } from "react";
import type { Card } from "../cards";
import { useNow } from "../hooks/useNow";
import { Lightbox } from "./Lightbox";
import { ModelCard } from "./ModelCard";

interface Props {
  cards: Card[];
  prompt: string;
}

/** One card per model, side by side; a finished image opens large in the lightbox. */
export function ResultsGrid({ cards, prompt }: Props) {
  const [openKey, setOpenKey] = useState<string | null>(null);
  const now = useNow(cards.some((card) => card.state === "running"));
  const open = cards.find((card) => card.key === openKey);

  return (
    <>
      <ul className="grid" aria-label="Images by model">
        {cards.map((card) => (
          <ModelCard
            key={card.key}
            card={card}
            prompt={prompt}
            now={now}
            onOpen={() => setOpenKey(card.key)}
          />
        ))}
      </ul>
      {open?.imageUrl && (
        <Lightbox
          model={open.model}
          imageUrl={open.imageUrl}
          prompt={prompt}
          onClose={() => setOpenKey(null)}
        />
      )}
    </>
  );
}
