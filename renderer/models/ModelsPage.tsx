import { Placeholder } from '../shell/Placeholder';

export function ModelsPage() {
  return <Placeholder title="Models are not listed yet">Bundled, imported (taming .ckpt) and fine-tuned model bundles will be managed here.</Placeholder>;
}
