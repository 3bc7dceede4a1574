import type { BuildExecutorSchema } from '../build/schema';
import type { PublishExecutorSchema } from '../publish/schema';
import type { VersionExecutorSchema } from '../version/schema';

import type { ReleaseStep } from '../../runtime/names';

export interface ReleaseExecutorSchema extends BuildExecutorSchema, VersionExecutorSchema, PublishExecutorSchema {
  /** set by inference: the step this target runs */
  step: ReleaseStep;
}
