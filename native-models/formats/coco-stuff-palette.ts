// The 182 COCO-Stuff-164k labels used by S-FLCKR's segmentation condition (DeepLab-v2 trained on
// COCO-Stuff, taming/data/coco.py), index = label id in the one-hot map (0 = person … 181 = wood; COCO-Stuff's own
// ids are these + 1, 0 being 'unlabeled'). Names follow the COCO-Stuff label list (nightrome/cocostuff
// labels.md). Colours are the standard bit-interleaved segmentation colormap (as in DeepLab's
// visualisations) evaluated at the COCO-Stuff id (index + 1): all 182 are distinct and none is black.

export type Rgb = readonly [number, number, number];

export const COCO_STUFF_182_NAMES: readonly string[] = [
  'person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus', 'train', 'truck',
  'boat', 'traffic light', 'fire hydrant', 'street sign', 'stop sign', 'parking meter', 'bench', 'bird',
  'cat', 'dog', 'horse', 'sheep', 'cow', 'elephant', 'bear', 'zebra',
  'giraffe', 'hat', 'backpack', 'umbrella', 'shoe', 'eye glasses', 'handbag', 'tie',
  'suitcase', 'frisbee', 'skis', 'snowboard', 'sports ball', 'kite', 'baseball bat', 'baseball glove',
  'skateboard', 'surfboard', 'tennis racket', 'bottle', 'plate', 'wine glass', 'cup', 'fork',
  'knife', 'spoon', 'bowl', 'banana', 'apple', 'sandwich', 'orange', 'broccoli',
  'carrot', 'hot dog', 'pizza', 'donut', 'cake', 'chair', 'couch', 'potted plant',
  'bed', 'mirror', 'dining table', 'window', 'desk', 'toilet', 'door', 'tv',
  'laptop', 'mouse', 'remote', 'keyboard', 'cell phone', 'microwave', 'oven', 'toaster',
  'sink', 'refrigerator', 'blender', 'book', 'clock', 'vase', 'scissors', 'teddy bear',
  'hair drier', 'toothbrush', 'hair brush', 'banner', 'blanket', 'branch', 'bridge', 'building-other',
  'bush', 'cabinet', 'cage', 'cardboard', 'carpet', 'ceiling-other', 'ceiling-tile', 'cloth',
  'clothes', 'clouds', 'counter', 'cupboard', 'curtain', 'desk-stuff', 'dirt', 'door-stuff',
  'fence', 'floor-marble', 'floor-other', 'floor-stone', 'floor-tile', 'floor-wood', 'flower', 'fog',
  'food-other', 'fruit', 'furniture-other', 'grass', 'gravel', 'ground-other', 'hill', 'house',
  'leaves', 'light', 'mat', 'metal', 'mirror-stuff', 'moss', 'mountain', 'mud',
  'napkin', 'net', 'paper', 'pavement', 'pillow', 'plant-other', 'plastic', 'platform',
  'playingfield', 'railing', 'railroad', 'river', 'road', 'rock', 'roof', 'rug',
  'salad', 'sand', 'sea', 'shelf', 'sky-other', 'skyscraper', 'snow', 'solid-other',
  'stairs', 'stone', 'straw', 'structural-other', 'table', 'tent', 'textile-other', 'towel',
  'tree', 'vegetable', 'wall-brick', 'wall-concrete', 'wall-other', 'wall-panel', 'wall-stone', 'wall-tile',
  'wall-wood', 'water-other', 'waterdrops', 'window-blind', 'window-other', 'wood',
];

export const COCO_STUFF_182_COLORS: readonly Rgb[] = [
  [128, 0, 0], [0, 128, 0], [128, 128, 0], [0, 0, 128], [128, 0, 128], [0, 128, 128],
  [128, 128, 128], [64, 0, 0], [192, 0, 0], [64, 128, 0], [192, 128, 0], [64, 0, 128],
  [192, 0, 128], [64, 128, 128], [192, 128, 128], [0, 64, 0], [128, 64, 0], [0, 192, 0],
  [128, 192, 0], [0, 64, 128], [128, 64, 128], [0, 192, 128], [128, 192, 128], [64, 64, 0],
  [192, 64, 0], [64, 192, 0], [192, 192, 0], [64, 64, 128], [192, 64, 128], [64, 192, 128],
  [192, 192, 128], [0, 0, 64], [128, 0, 64], [0, 128, 64], [128, 128, 64], [0, 0, 192],
  [128, 0, 192], [0, 128, 192], [128, 128, 192], [64, 0, 64], [192, 0, 64], [64, 128, 64],
  [192, 128, 64], [64, 0, 192], [192, 0, 192], [64, 128, 192], [192, 128, 192], [0, 64, 64],
  [128, 64, 64], [0, 192, 64], [128, 192, 64], [0, 64, 192], [128, 64, 192], [0, 192, 192],
  [128, 192, 192], [64, 64, 64], [192, 64, 64], [64, 192, 64], [192, 192, 64], [64, 64, 192],
  [192, 64, 192], [64, 192, 192], [192, 192, 192], [32, 0, 0], [160, 0, 0], [32, 128, 0],
  [160, 128, 0], [32, 0, 128], [160, 0, 128], [32, 128, 128], [160, 128, 128], [96, 0, 0],
  [224, 0, 0], [96, 128, 0], [224, 128, 0], [96, 0, 128], [224, 0, 128], [96, 128, 128],
  [224, 128, 128], [32, 64, 0], [160, 64, 0], [32, 192, 0], [160, 192, 0], [32, 64, 128],
  [160, 64, 128], [32, 192, 128], [160, 192, 128], [96, 64, 0], [224, 64, 0], [96, 192, 0],
  [224, 192, 0], [96, 64, 128], [224, 64, 128], [96, 192, 128], [224, 192, 128], [32, 0, 64],
  [160, 0, 64], [32, 128, 64], [160, 128, 64], [32, 0, 192], [160, 0, 192], [32, 128, 192],
  [160, 128, 192], [96, 0, 64], [224, 0, 64], [96, 128, 64], [224, 128, 64], [96, 0, 192],
  [224, 0, 192], [96, 128, 192], [224, 128, 192], [32, 64, 64], [160, 64, 64], [32, 192, 64],
  [160, 192, 64], [32, 64, 192], [160, 64, 192], [32, 192, 192], [160, 192, 192], [96, 64, 64],
  [224, 64, 64], [96, 192, 64], [224, 192, 64], [96, 64, 192], [224, 64, 192], [96, 192, 192],
  [224, 192, 192], [0, 32, 0], [128, 32, 0], [0, 160, 0], [128, 160, 0], [0, 32, 128],
  [128, 32, 128], [0, 160, 128], [128, 160, 128], [64, 32, 0], [192, 32, 0], [64, 160, 0],
  [192, 160, 0], [64, 32, 128], [192, 32, 128], [64, 160, 128], [192, 160, 128], [0, 96, 0],
  [128, 96, 0], [0, 224, 0], [128, 224, 0], [0, 96, 128], [128, 96, 128], [0, 224, 128],
  [128, 224, 128], [64, 96, 0], [192, 96, 0], [64, 224, 0], [192, 224, 0], [64, 96, 128],
  [192, 96, 128], [64, 224, 128], [192, 224, 128], [0, 32, 64], [128, 32, 64], [0, 160, 64],
  [128, 160, 64], [0, 32, 192], [128, 32, 192], [0, 160, 192], [128, 160, 192], [64, 32, 64],
  [192, 32, 64], [64, 160, 64], [192, 160, 64], [64, 32, 192], [192, 32, 192], [64, 160, 192],
  [192, 160, 192], [0, 96, 64], [128, 96, 64], [0, 224, 64], [128, 224, 64], [0, 96, 192],
  [128, 96, 192], [0, 224, 192],
];
