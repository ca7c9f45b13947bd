import type { GallerySummary } from '../../preload/contract';
import { GalleryThumb } from './GalleryThumb';
import { MODE_LABELS } from './gallery-format';

interface GalleryGridProps {
  items: GallerySummary[];
  selectedId: string | null;
  onSelect: (id: string) => void;
  onToggleStar: (item: GallerySummary) => void;
}

/** The thumbnail grid. Each tile is a button (keyboard and screen-reader friendly). */
export function GalleryGrid({ items, selectedId, onSelect, onToggleStar }: GalleryGridProps) {
  return (
    <ul className="gallery-grid" aria-label="Results">
      {items.map((item) => {
        const name = `${item.modelName ?? item.modelId}, seed ${item.seed}`;
        return (
          <li key={item.id} className={item.id === selectedId ? 'gallery-tile selected' : 'gallery-tile'} data-testid="gallery-tile" data-id={item.id}>
            <button type="button" className="gallery-tile-main" aria-pressed={item.id === selectedId} aria-label={`${name}, ${MODE_LABELS[item.mode]}`} onClick={() => onSelect(item.id)}>
              <GalleryThumb id={item.id} size={256} alt={name} className="gallery-thumb" />
              <span className="gallery-tile-meta">
                <span className="chip">{MODE_LABELS[item.mode]}</span>
                <span className="gallery-tile-seed">#{item.seed}</span>
              </span>
            </button>
            <button
              type="button"
              className={item.starred ? 'star-toggle on' : 'star-toggle'}
              aria-label={item.starred ? `Unstar ${name}` : `Star ${name}`}
              aria-pressed={item.starred}
              onClick={() => onToggleStar(item)}
            >
              {item.starred ? '★' : '☆'}
            </button>
          </li>
        );
      })}
    </ul>
  );
}
