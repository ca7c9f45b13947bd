/**
 * The starter architectures in one table (minGPT's `model_type` presets): each shipped starter's condition stage,
 * first stage, transformer and training sizes. The recipes (train-starter*.ts), the evaluators and the tests read
 * them from here; a bundle's manifest records the architecture it was trained with, so changing a preset affects
 * the next training run only, never a shipped bundle. DATA.md says what each run trained and what it measured.
 */
import type { GptArchitecture, VqganArchitecture } from '../native-models/formats/bundle';
import type { ConditionMode } from '../native-models/condition-modes';
import type { DiscriminatorConfig } from '../native-models/models/discriminator';
import { LANDSCAPE_CLASSES } from './landscapes';

// ---- starter-landscapes (semantic layout -> landscape) and the scenes starter-landscapes-edges shares ----

/** Crop size of every starter's VQGAN training (64² = 8×8 tokens at f = 8: one transformer window). */
export const STARTER_CROP = 64;

/** Side of the procedural landscape scenes (256² = 32×32 tokens, generated with the sliding window). */
export const STARTER_SCENE = 256;

/** Dataset seed of the training scenes (held-out evaluation uses seed 1009). */
export const STARTER_DATA_SEED = 9;

/** Sizes at which the GPT's training tokens are encoded (the whole 256 scene and its 128 quadrants). */
export const STARTER_TOKEN_SCALES: readonly number[] = [256, 128];

/**
 * Condition stage: one-hot label maps (8 classes), f = 8, 128 codes. ch 64, not 32: taming's GroupNorm has 32 groups,
 * so with 32 channels every norm is an instance norm that removes each channel's mean; the decoder's norm_out (full
 * resolution) then cannot tell a uniform sky crop from a uniform water crop and the encoder's norm_out makes codes
 * depend on the rest of the crop. Runs 1/2 (ch 32) stayed near the class prior (code purity 74–78 %, pixel accuracy
 * 54 %); with 2 channels per group the sign of their difference survives the norm.
 */
export const LANDSCAPES_COND_STAGE: VqganArchitecture = {
  ch: 64, ch_mult: [1, 1, 1, 1], num_res_blocks: 1, attn_resolutions: [], z_channels: 32, resolution: STARTER_CROP,
  in_channels: LANDSCAPE_CLASSES.length, out_ch: LANDSCAPE_CLASSES.length, double_z: false, dropout: 0,
  resamp_with_conv: true, n_embed: 128, embed_dim: 32, quantizer: 'vq', legacy_beta: true, beta: 0.25,
};

/**
 * First stage (run 4): f = 8 (4 levels), 64–128 channels, 1024 codes of dim 32. Runs 1–3 used ch 32: taming's
 * GroupNorm has 32 groups, so at 32 channels the decoder's full-resolution norms (and norm_out before conv_out) are
 * instance norms that remove each channel's image mean and contrast. Their reconstructions got the 8×8 block means
 * wrong (19 dB; with the real block means pasted in, 26 dB), i.e. colours, not detail, were lost. With 64 channels each
 * group holds two, and the decoder can carry absolute colour in their difference.
 */
export const LANDSCAPES_FIRST_STAGE: VqganArchitecture = {
  ch: 64, ch_mult: [1, 1, 2, 2], num_res_blocks: 1, attn_resolutions: [], z_channels: 64, resolution: STARTER_CROP,
  in_channels: 3, out_ch: 3, double_z: false, dropout: 0, resamp_with_conv: true, n_embed: 1024, embed_dim: 32,
  quantizer: 'vq', legacy_beta: true, beta: 0.25,
};

/** The patch discriminator of the first stage (taming's NLayerDiscriminator with BatchNorm, narrower for 64² crops). */
export const STARTER_DISCRIMINATOR: DiscriminatorConfig = { inChannels: 3, ndf: 32, nLayers: 2, norm: 'batchnorm' };

/** Seed of the random-feature perceptual network (training/random-features-perceptual.ts). */
export const STARTER_PERCEPTUAL_SEED = 77;

/** minGPT 4 × 128, block 128 = 64 c-tokens + 64 z-tokens, vocab 1024 (≥ both codebooks, as taming). */
export const LANDSCAPES_GPT: GptArchitecture = {
  vocab_size: 1024, block_size: 128, n_layer: 4, n_head: 4, n_embd: 128, n_unmasked: 0,
};

// ---- starter-landscapes-edges (edge map -> landscape): the landscapes' scenes and first stage ----

/** Condition stage: one edge plane in [−1, 1], f = 8, 256 codes of dim 32. */
export const EDGES_COND_STAGE: VqganArchitecture = {
  ch: 32, ch_mult: [1, 1, 1, 1], num_res_blocks: 1, attn_resolutions: [], z_channels: 32, resolution: STARTER_CROP,
  in_channels: 1, out_ch: 1, double_z: false, dropout: 0, resamp_with_conv: true, n_embed: 256, embed_dim: 32,
  quantizer: 'vq', legacy_beta: true, beta: 0.25,
};

/**
 * Same transformer shape as starter-landscapes' runs 1–3: 64 c-tokens + 64 z-tokens, vocab 512 (≥ both codebooks of
 * the shipped bundle, whose first stage is landscapes run 1's). With landscapes' run-4 first stage (1024 codes) the
 * vocabulary must be 1024: pass a bundle of that first stage and the recipe widens it (edgesGpt).
 */
export const EDGES_GPT: GptArchitecture = { ...LANDSCAPES_GPT, vocab_size: 512 };

/** The edges transformer for a first stage of `nEmbed` codes (vocab = the larger codebook, as taming). */
export function edgesGpt(nEmbed: number): GptArchitecture {
  return { ...EDGES_GPT, vocab_size: Math.max(EDGES_GPT.vocab_size, nEmbed, EDGES_COND_STAGE.n_embed) };
}

// ---- starter-figures (pose -> figure) ----

/** Crop size of the figures' VQGAN training (one 8×8-token window). */
export const FIGURES_CROP = 64;

/** Side of the rendered figures before --resize. */
export const FIGURES_IMAGE = 256;

/** Dataset seed of the training figures (held-out evaluation uses seed 1009). */
export const FIGURES_DATA_SEED = 9;

/** Training and default generation size: 128² figures = 16×16 tokens, generated with the 8×8 sliding window. */
export const FIGURES_RESIZE = 128;

/** Condition stage: the RGB stickman in [−1, 1], f = 8, 256 codes of dim 32 (ch 64: see LANDSCAPES_COND_STAGE). */
export const FIGURES_COND_STAGE: VqganArchitecture = {
  ch: 64, ch_mult: [1, 1, 1, 1], num_res_blocks: 1, attn_resolutions: [], z_channels: 32, resolution: FIGURES_CROP,
  in_channels: 3, out_ch: 3, double_z: false, dropout: 0, resamp_with_conv: true, n_embed: 256, embed_dim: 32,
  quantizer: 'vq', legacy_beta: true, beta: 0.25,
};

/**
 * First stage (run 2, shipped): f = 8, 512 codes of dim 64; wider than starter-landscapes' run 1–3 at the lower
 * levels (ch_mult 1, 2, 2, 4), since limbs a few pixels wide must survive the 8× downsampling. Run 3 (issue 14)
 * tried starter-landscapes' run-4 stage (ch 64, ch_mult 1, 1, 2, 2, 1024 codes of dim 32) with the discriminator and
 * the random-feature perceptual term, 2400 steps at batch 4: PSNR 17.9 dB, bone coverage 43.2 % — worse than run 2
 * (19.2 dB, 51.7 %), so run 2 still ships (DATA.md).
 */
export const FIGURES_FIRST_STAGE: VqganArchitecture = {
  ch: 32, ch_mult: [1, 2, 2, 4], num_res_blocks: 1, attn_resolutions: [], z_channels: 64, resolution: FIGURES_CROP,
  in_channels: 3, out_ch: 3, double_z: false, dropout: 0, resamp_with_conv: true, n_embed: 512, embed_dim: 64,
  quantizer: 'vq', legacy_beta: true, beta: 0.25,
};

/** minGPT 4 × 128, block 128 = 64 c-tokens + 64 z-tokens, vocab 512. */
export const FIGURES_GPT: GptArchitecture = { vocab_size: 512, block_size: 128, n_layer: 4, n_head: 4, n_embd: 128, n_unmasked: 0 };

// ---- the table ----

/** What one starter is built from: its stages' architectures and the sizes its recipe trains at. */
export interface StarterPreset {
  /** Condition mode of the bundle (native-models/condition-modes.ts). */
  mode: ConditionMode;
  condStage: VqganArchitecture;
  /** null: the recipe adopts the first stage of another bundle (starter-landscapes-edges uses landscapes'). */
  firstStage: VqganArchitecture | null;
  transformer: GptArchitecture;
  /** VQGAN training crop side in pixels. */
  crop: number;
  /** Side of the whole training images the transformer's token grids come from. */
  image: number;
  dataSeed: number;
  /**
   * The window stride the bundle's manifest recommends (`sampling.windowStride`: generate() uses it when a request
   * names none). 4 × 4 targets per 8 × 8 window: measured on the held-out sets at no loss of faithfulness beyond
   * the seeds' noise, at about half the sampling time of taming's rule (DATA.md).
   */
  windowStride: number;
  /**
   * The temperature the bundle's manifest recommends (`sampling.temperature`: the app samples at it unless the
   * person sets another); absent = 1. Measured per starter on its held-out set (DATA.md): only the edges model
   * follows its condition better below 1.
   */
  temperature?: number;
  /** The recipe module that trains it (`npm run train:starter -- <name>` dispatches by the name). */
  recipe: string;
}

export const STARTER_PRESETS = {
  'starter-landscapes': {
    mode: 'semantic', condStage: LANDSCAPES_COND_STAGE, firstStage: LANDSCAPES_FIRST_STAGE, transformer: LANDSCAPES_GPT,
    crop: STARTER_CROP, image: STARTER_SCENE, dataSeed: STARTER_DATA_SEED, windowStride: 4, recipe: 'recipes/train-starter.ts',
  },
  'starter-landscapes-edges': {
    // Its first stage is starter-landscapes' (adopted, hence null), so its vocabulary follows that codebook.
    mode: 'edge', condStage: EDGES_COND_STAGE, firstStage: null, transformer: edgesGpt(LANDSCAPES_FIRST_STAGE.n_embed),
    crop: STARTER_CROP, image: STARTER_SCENE, dataSeed: STARTER_DATA_SEED, windowStride: 4, temperature: 0.7, recipe: 'recipes/train-starter-edges.ts',
  },
  'starter-figures': {
    mode: 'pose', condStage: FIGURES_COND_STAGE, firstStage: FIGURES_FIRST_STAGE, transformer: FIGURES_GPT,
    crop: FIGURES_CROP, image: FIGURES_RESIZE, dataSeed: FIGURES_DATA_SEED, windowStride: 4, recipe: 'recipes/train-starter-figures.ts',
  },
} as const satisfies Record<string, StarterPreset>;

export type StarterName = keyof typeof STARTER_PRESETS;
export const STARTER_NAMES = Object.keys(STARTER_PRESETS) as StarterName[];
