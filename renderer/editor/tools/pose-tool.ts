// The pose tool as a state machine over COCO-18 people (idle → dragging-joint | moving-person → idle).
// Left-drag on a joint moves it; left-drag inside a person's box moves the whole person; right-click
// on a joint hides or shows it. Every change is a new people array (the pose model is immutable);
// the caller records them as undoable snapshots, one per gesture (`gesture` is the merge key).

import type { PosePerson } from '../../document/document-types';
import { applyToPerson, hitJoint, moveJoint, personBounds, setJointVisible, transformPerson } from '../pose/pose-model';
import type { Vec } from '../pose/pose-model';

export interface PoseOutcome {
  /** The people after this step (absent: nothing changed). */
  people?: PosePerson[];
  /** Label for the undo entry. */
  label?: string;
  /** Steps of one drag share this key, so the history merges them into one entry. */
  gesture?: string;
  /** The person under the pointer became the selected one. */
  selected?: string | null;
}

type State =
  | { name: 'idle' }
  | { name: 'joint'; personId: string; joint: number; gesture: string }
  | { name: 'person'; personId: string; last: Vec; gesture: string };

let gestureCounter = 0;

/** Person whose (padded) box contains `p`, topmost (last) first. */
export function personAt(people: readonly PosePerson[], p: Vec, pad: number): PosePerson | null {
  for (let i = people.length - 1; i >= 0; i--) {
    const b = personBounds(people[i]!);
    if (p.x >= b.x0 - pad && p.x <= b.x1 + pad && p.y >= b.y0 - pad && p.y <= b.y1 + pad) return people[i]!;
  }
  return null;
}

export class PoseTool {
  private state: State = { name: 'idle' };

  get busy(): boolean {
    return this.state.name !== 'idle';
  }

  /** `button` 0 = left, 2 = right; `radius` = joint hit radius in canvas units. */
  down(people: readonly PosePerson[], p: Vec, button: number, radius: number): PoseOutcome {
    const hit = hitJoint(people, p, radius);
    if (button === 2) {
      if (!hit) return {};
      const person = people.find((q) => q.id === hit.personId)!;
      const visible = !person.keypoints[hit.joint]!.visible;
      return { people: setJointVisible(people, hit.personId, hit.joint, visible), label: visible ? 'Show joint' : 'Hide joint', selected: hit.personId };
    }
    if (hit) {
      this.state = { name: 'joint', personId: hit.personId, joint: hit.joint, gesture: `joint-${++gestureCounter}` };
      return { selected: hit.personId };
    }
    const person = personAt(people, p, radius);
    if (person) {
      this.state = { name: 'person', personId: person.id, last: p, gesture: `move-${++gestureCounter}` };
      return { selected: person.id };
    }
    return { selected: null };
  }

  move(people: readonly PosePerson[], p: Vec): PoseOutcome {
    const s = this.state;
    if (s.name === 'joint') return { people: moveJoint(people, s.personId, s.joint, p), label: 'Move joint', gesture: s.gesture };
    if (s.name === 'person') {
      const translate = { x: p.x - s.last.x, y: p.y - s.last.y };
      s.last = p;
      return { people: applyToPerson(people, s.personId, (q) => transformPerson(q, { translate })), label: 'Move person', gesture: s.gesture };
    }
    return {};
  }

  up(): PoseOutcome {
    this.state = { name: 'idle' };
    return {};
  }

  cancel(): void {
    this.state = { name: 'idle' };
  }
}
