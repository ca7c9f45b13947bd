/**
 * Weights for the models, by taming state_dict key: from a taming/PyTorch checkpoint (through the formats reader,
 * read tensor by tensor, never the whole file) or a safetensors file, optionally one sub-model's prefix only
 * (`first_stage_model.`, `cond_stage_model.`, `transformer.`, `loss.discriminator.`), returned without the prefix.
 */
import { bytesToFloat32 } from '../formats/dtype';
import { openSafetensors } from '../formats/safetensors';
import { defaultSkipReason, openTorchCheckpoint } from '../formats/torch-checkpoint';
import type { NamedTensor } from './param-spec';

export async function checkpointWeights(path: string, prefix = ''): Promise<Map<string, NamedTensor>> {
  const keepLoss = prefix.startsWith('loss.');
  const ckpt = await openTorchCheckpoint(path, {
    skip: (name) => {
      if (!name.startsWith(prefix)) return 'other sub-model';
      return keepLoss && name.startsWith(prefix) ? null : defaultSkipReason(name);
    },
  });
  try {
    const out = new Map<string, NamedTensor>();
    for (const [name, t] of ckpt.tensors) {
      if (t.dtype === 'int64' || t.dtype === 'uint8' || t.dtype === 'bool') continue; // counters and flags
      out.set(name.slice(prefix.length), { shape: [...t.shape], data: bytesToFloat32(t.dtype, await t.read()) });
    }
    if (out.size === 0) {
      throw new Error(`${path}: no weights under "${prefix}" (the checkpoint has ${ckpt.tensors.size + ckpt.skipped.length} ` +
        'state_dict entries); is this the right checkpoint and sub-model?');
    }
    return out;
  } finally {
    await ckpt.close();
  }
}

export async function safetensorsWeights(path: string, prefix = ''): Promise<Map<string, NamedTensor>> {
  const file = await openSafetensors(path);
  try {
    const out = new Map<string, NamedTensor>();
    for (const [name, t] of file.tensors) {
      if (!name.startsWith(prefix)) continue;
      if (t.dtype === 'int64' || t.dtype === 'uint8' || t.dtype === 'bool') continue;
      out.set(name.slice(prefix.length), { shape: [...t.shape], data: bytesToFloat32(t.dtype, await t.read()) });
    }
    return out;
  } finally {
    await file.close();
  }
}
