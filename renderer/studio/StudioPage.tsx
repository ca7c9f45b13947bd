import { Placeholder } from '../shell/Placeholder';

export function StudioPage() {
  return <Placeholder title="Studio is not built yet">The sketch editor and Generate will live here: draw a semantic map, edges or a pose, then watch the image appear token by token.</Placeholder>;
}
