import { useEffect, useState } from 'react';
import { loadThumbnail } from './thumbnail-cache';

interface GalleryThumbProps {
  id: string;
  size: number;
  alt: string;
  className?: string;
}

/** An image whose PNG comes through the API; a neutral tile while it loads or if it fails. */
export function GalleryThumb({ id, size, alt, className }: GalleryThumbProps) {
  const [src, setSrc] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let live = true;
    setSrc(null);
    setFailed(false);
    loadThumbnail(id, size).then((url) => live && setSrc(url), () => live && setFailed(true));
    return () => {
      live = false;
    };
  }, [id, size]);
  if (src) return <img src={src} alt={alt} className={className} draggable={false} />;
  return <div className={`${className ?? ''} thumb-pending${failed ? ' thumb-failed' : ''}`} role="img" aria-label={failed ? `${alt} (could not load)` : `${alt} (loading)`} />;
}
