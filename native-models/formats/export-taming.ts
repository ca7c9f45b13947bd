// `tessera export-taming`: a bundle -> <out>/last.ckpt (PyTorch zip, PL-style {state_dict, global_step},
// readable by torch.load and taming's init_from_ckpt) + <out>/project.yaml for taming's main.py, so training
// can continue on a cluster (PyTorch Lightning DDP) and the result be imported back with `tessera import`.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readBundle } from './bundle';
import type { BundleManifest, CondStage, PermuterKind, VqganArchitecture } from './bundle';
import { writeTorchCheckpoint } from './torch-checkpoint-writer';
import type { TensorSource } from './safetensors';
import { toYaml } from './project-yaml';
import type { YamlValue } from './project-yaml';

export interface ExportResult {
  checkpoint: string;
  config: string;
  tensors: number;
  bytes: number;
}

const PERMUTER_CLASSES: Record<PermuterKind, string> = {
  identity: 'Identity',
  subsample: 'Subsample',
  zcurve: 'ZCurve',
  'spiral-in': 'SpiralIn',
  'spiral-out': 'SpiralOut',
  random: 'Random',
  'alternate-parsing': 'AlternateParsing',
};

function vqNode(a: VqganArchitecture, loss: YamlValue, extra: Record<string, YamlValue> = {}): YamlValue {
  const params: Record<string, YamlValue> = {
    embed_dim: a.embed_dim,
    n_embed: a.n_embed,
    ...extra,
    ddconfig: {
      double_z: a.double_z,
      z_channels: a.z_channels,
      resolution: a.resolution,
      in_channels: a.in_channels,
      out_ch: a.out_ch,
      ch: a.ch,
      ch_mult: a.ch_mult,
      num_res_blocks: a.num_res_blocks,
      attn_resolutions: a.attn_resolutions,
      dropout: a.dropout,
    },
    lossconfig: loss,
  };
  if (a.quantizer === 'gumbel') {
    params.kl_weight = 1.0e-8;
    params.temperature_scheduler_config = {
      target: 'taming.lr_scheduler.LambdaWarmUpCosineScheduler',
      params: { warm_up_steps: 0, max_decay_steps: 1000001, lr_start: 0.9, lr_max: 0.9, lr_min: 1.0e-6 },
    };
  }
  return { target: a.quantizer === 'gumbel' ? 'taming.models.vqgan.GumbelVQ' : 'taming.models.vqgan.VQModel', params };
}

function condNode(cs: CondStage): YamlValue {
  switch (cs.kind) {
    case 'vqgan':
      return vqNode(cs.architecture, { target: 'taming.modules.losses.DummyLoss' });
    case 'first-stage':
      return '__is_first_stage__';
    case 'sos':
      return '__is_unconditional__';
    case 'class':
      return { target: 'taming.modules.util.Labelator', params: { n_classes: cs.n_classes } };
    case 'coord':
      return { target: 'taming.modules.misc.coord.CoordStage', params: { n_embed: cs.n_embed, down_factor: cs.down_factor } };
  }
}

/** taming's project.yaml for a bundle (model section + a custom-data section to edit). */
export function tamingProjectConfig(m: BundleManifest, checkpointName = 'last.ckpt'): YamlValue {
  const data: YamlValue = {
    target: 'main.DataModuleFromConfig',
    params: {
      batch_size: 4,
      num_workers: 8,
      train: { target: 'taming.data.custom.CustomTrain', params: { training_images_list_file: 'some/training.txt', size: 256 } },
      validation: { target: 'taming.data.custom.CustomTest', params: { test_images_list_file: 'some/test.txt', size: 256 } },
    },
  };
  if (m.kind === 'vqgan' && m.vqgan) {
    const a = m.vqgan;
    const loss: YamlValue = {
      target: 'taming.modules.losses.vqperceptual.VQLPIPSWithDiscriminator',
      params: { disc_conditional: false, disc_in_channels: a.out_ch, disc_start: 10000, disc_weight: 0.8, codebook_weight: 1.0 },
    };
    return { model: { base_learning_rate: 4.5e-6, ...(vqNode(a, loss, { ckpt_path: checkpointName }) as Record<string, YamlValue>) }, data };
  }
  if (!m.firstStage || !m.transformer || !m.condStage || !m.condition) throw new Error(`${m.name}: incomplete cond-transformer manifest`);
  const t = m.transformer;
  const params: Record<string, YamlValue> = {
    ckpt_path: checkpointName,
    cond_stage_key: m.condition.key,
    first_stage_key: m.firstStageKey ?? 'image',
    sos_token: m.sosToken ?? 0,
    transformer_config: {
      target: 'taming.modules.transformer.mingpt.GPT',
      params: { vocab_size: t.vocab_size, block_size: t.block_size, n_layer: t.n_layer, n_head: t.n_head, n_embd: t.n_embd },
    },
    first_stage_config: vqNode(m.firstStage, { target: 'taming.modules.losses.DummyLoss' }),
    cond_stage_config: condNode(m.condStage),
  };
  if (m.permuter && m.permuter.kind !== 'identity') {
    params.permuter_config = {
      target: `taming.modules.transformer.permuter.${PERMUTER_CLASSES[m.permuter.kind]}`,
      params: { ...(m.permuter.H !== undefined ? { H: m.permuter.H } : {}), ...(m.permuter.W !== undefined ? { W: m.permuter.W } : {}) },
    };
  }
  if (m.condStage.kind === 'sos') params.unconditional = true;
  return { model: { base_learning_rate: 4.5e-6, target: 'taming.models.cond_transformer.Net2NetTransformer', params }, data };
}

/** Export a bundle to `<outDir>/last.ckpt` + `<outDir>/project.yaml`. */
export async function exportTamingCheckpoint(bundleDir: string, outDir: string): Promise<ExportResult> {
  const bundle = await readBundle(bundleDir, { verify: true });
  try {
    const m = bundle.manifest;
    const tensors: TensorSource[] = [...bundle.weights.tensors.values()].map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, data: () => t.read() }));
    // minGPT's causal masks are persistent buffers: regenerate them so load_state_dict(strict=True) works
    if (m.kind === 'cond-transformer' && m.transformer) {
      const n = m.transformer.block_size;
      const mask = new Float32Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) mask[i * n + j] = 1;
      const bytes = new Uint8Array(mask.buffer);
      for (let l = 0; l < m.transformer.n_layer; l++) {
        tensors.push({ name: `transformer.blocks.${l}.attn.mask`, dtype: 'float32', shape: [1, 1, n, n], data: bytes });
      }
    }
    await mkdir(outDir, { recursive: true });
    const checkpoint = join(outDir, 'last.ckpt');
    const { bytes } = await writeTorchCheckpoint(checkpoint, { tensors, globalStep: m.provenance.globalStep ?? 0 });
    const config = join(outDir, 'project.yaml');
    const header =
      `# taming-transformers config written by tessera export-taming from bundle "${m.name}".\n` +
      `# ckpt_path loads the exported weights (init_from_ckpt). Edit the data section, then e.g.\n` +
      `#   python main.py --base project.yaml -t True --gpus 0,1\n`;
    await writeFile(config, header + toYaml(tamingProjectConfig(m)));
    return { checkpoint, config, tensors: tensors.length, bytes };
  } finally {
    await bundle.close();
  }
}
