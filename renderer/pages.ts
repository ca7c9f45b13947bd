// The app's pages, in navigation order. Each page lives in its own folder; replace a placeholder by
// pointing its entry at your page component.
import type { ComponentType } from 'react';
import { FinetunePage } from './finetune/FinetunePage';
import { GalleryPage } from './gallery/GalleryPage';
import { ModelsPage } from './models/ModelsPage';
import { SettingsPage } from './settings/SettingsPage';
import { StudioPage } from './studio/StudioPage';

export interface PageEntry {
  /** URL hash: #/<id> */
  id: string;
  label: string;
  /** One line under the title. */
  subtitle: string;
  component: ComponentType;
}

export const PAGES: readonly PageEntry[] = [
  { id: 'studio', label: 'Studio', subtitle: 'Sketch a condition and generate', component: StudioPage },
  { id: 'gallery', label: 'Gallery', subtitle: 'Everything you generated, searchable', component: GalleryPage },
  { id: 'finetune', label: 'Fine-tune', subtitle: 'Teach a model your own pictures', component: FinetunePage },
  { id: 'models', label: 'Models', subtitle: 'Bundled, imported and fine-tuned models', component: ModelsPage },
  { id: 'settings', label: 'Settings', subtitle: 'Library folder and this installation', component: SettingsPage },
];
