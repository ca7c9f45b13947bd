// Which model the studio generates with, and what choosing it changes in the document.
//
// The choice lives in the document (`generation.modelId`: a bundle id, or a model name such as the first-launch
// document's `starter-landscapes`). It is settled from the live document every time — never from a value a
// render computed earlier — so a pick made while the model list was still loading is kept: the pick resolves to
// itself, and only a choice that fits no model falls back to the first model of the mode.

import type { ModelSummary } from '../../preload/contract';
import type { TesseraDocument } from '../document/document-types';
import { DEFAULT_GENERATION } from '../document/migrations';
import { outputSizes } from './output-sizes';
import type { StudioEditor } from './studio-editor';

/** Completion (masked resampling) runs on unconditional and class-conditional models only. */
export const completes = (m: ModelSummary): boolean => m.mode === 'unconditional' || m.mode === 'class';

/** The models that can generate for the document's mode. */
export function fittingModels(models: readonly ModelSummary[], mode: TesseraDocument['mode']): ModelSummary[] {
  return models.filter((m) => (mode === 'completion' ? completes(m) : m.mode === mode));
}

/** The model the document names (by id or name) among those that fit its mode, else the first that fits. */
export function chosenModel(models: readonly ModelSummary[], doc: TesseraDocument): ModelSummary | null {
  const fitting = fittingModels(models, doc.mode);
  const named = doc.generation.modelId;
  return fitting.find((m) => m.id === named || m.name === named) ?? fitting[0] ?? null;
}

/**
 * Makes the document use `model`: its id, an output size it can make (a model newly chosen that names its own
 * size, like starter-figures' 128×128 whole figures, starts there) and the temperature it recommends
 * (starter-landscapes-edges' 0.7; the document default 1 for a model that names none, so one model's setting
 * does not carry over to another) and, for semantic models, its palette. Changes nothing that already agrees, so
 * settling twice is harmless, and a document that already names the model (an autosave, a gallery Reuse) keeps
 * its own settings.
 */
export function adoptModel(editor: StudioEditor, model: ModelSummary): void {
  const g = editor.doc.generation;
  if (g.modelId !== model.id) {
    editor.setGeneration({
      modelId: model.id,
      ...(model.outputSize ? { outputWidth: model.outputSize.width, outputHeight: model.outputSize.height } : {}),
      temperature: model.temperature ?? DEFAULT_GENERATION.temperature,
    });
  }
  const width = editor.doc.generation.outputWidth;
  if (!outputSizes(model).includes(width) || width % model.factor !== 0) editor.setGeneration({ outputWidth: model.width, outputHeight: model.height });
  if (model.classes && JSON.stringify(editor.doc.semantic.palette) !== JSON.stringify(model.classes)) editor.setPalette(model.classes);
}

/** Settles the document's choice against the current model list (from the live document); returns the model. */
export function settleModel(editor: StudioEditor, models: readonly ModelSummary[]): ModelSummary | null {
  const model = chosenModel(models, editor.doc);
  if (model) adoptModel(editor, model);
  return model;
}
