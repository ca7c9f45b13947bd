import { Placeholder } from '../shell/Placeholder';

export function GalleryPage() {
  return <Placeholder title="Gallery is not built yet">Every generated image with its seed, model and settings will be listed here, searchable and reusable.</Placeholder>;
}
