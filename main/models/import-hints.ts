// What would work instead, for every failure the importer reports. The importer's own message is
// always shown verbatim; the hint is one extra sentence keyed by the error's class and code.

import { BundleError } from '../../native-models/formats/bundle';
import { ImportError } from '../../native-models/formats/import-taming';
import { CheckpointFormatError } from '../../native-models/formats/torch-checkpoint';

const WHAT_WORKS = 'Tessera imports taming-transformers checkpoints (.ckpt/.pth saved by PyTorch 1.6 or newer: a zip holding data.pkl) of a VQGAN (VQModel, GumbelVQ) or a Net2NetTransformer, and Tessera bundle folders (manifest.json + weights.safetensors).';

const CHECKPOINT_HINTS: Record<string, string> = {
  'not-found': 'Check the path: the file does not exist or cannot be read.',
  'not-a-checkpoint': WHAT_WORKS,
  truncated: 'The file is incomplete (an interrupted download or copy): download or copy it again and compare its size with the original.',
  'legacy-format': 'Convert it once with PyTorch 1.6 or newer: torch.save(torch.load("old.ckpt"), "new.ckpt"), then import new.ckpt.',
  'unknown-layout': WHAT_WORKS,
  unsafe: 'Nothing was executed. Use a checkpoint from a source you trust (for example the taming-transformers release files).',
  corrupt: 'The file is damaged: download or copy it again.',
  unsupported: `This storage variant is not supported. ${WHAT_WORKS}`,
};

const BUNDLE_HINTS: Record<string, string> = {
  'not-found': 'A bundle folder holds manifest.json and weights.safetensors; choose the folder that contains them, or import a .ckpt file instead.',
  'invalid-manifest': 'The bundle was written by another program or a newer Tessera, or edited by hand: re-export it from where it came from.',
  'hash-mismatch': 'The weights were modified or damaged after the bundle was written: copy the bundle again from its origin.',
  'weights-mismatch': 'weights.safetensors does not belong to this manifest: copy the whole bundle folder again.',
};

/** The hint for an error thrown while importing (null when there is nothing useful to add). */
export function importHint(err: unknown): string | null {
  if (err instanceof CheckpointFormatError) return CHECKPOINT_HINTS[err.code] ?? WHAT_WORKS;
  if (err instanceof BundleError) return BUNDLE_HINTS[err.code] ?? null;
  if (err instanceof ImportError) {
    const m = err.message;
    if (/not a taming model/.test(m)) return WHAT_WORKS;
    if (/does not match taming's layout/.test(m)) {
      return "The weights do not fit the architecture read from their shapes: add the run's project.yaml (configs/*-project.yaml beside checkpoints/), and check that the file is a complete taming checkpoint.";
    }
    if (/--config|--cond-key|cannot be inferred|permuter/.test(m)) {
      return "Add the run's project.yaml (configs/*-project.yaml beside checkpoints/) as the config: it names the condition and the token order.";
    }
    if (/cannot read config|config /.test(m)) return 'Choose the project.yaml written by taming-transformers for this run (or leave the config empty).';
    return WHAT_WORKS;
  }
  return null;
}
