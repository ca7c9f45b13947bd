import { Placeholder } from '../shell/Placeholder';

export function FinetunePage() {
  return <Placeholder title="Fine-tuning is not built yet">Choose a folder of your pictures, follow the loss and samples, and get a new model beside the base one.</Placeholder>;
}
