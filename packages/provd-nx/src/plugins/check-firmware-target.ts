/** The inferred check-firmware target of families and models (the executor does the work). */
import type { TargetConfiguration } from '@nx/devkit';
import { PLUGIN_NAME } from '../runtime/names';
import { literalGlob } from './model-inputs';
import { PKGS_DB } from '../format/pkgs-db-path';

export const CHECK_FIRMWARE = 'check-firmware';

/**
 * Never cached: a vendor moves or changes a file without any change here. The inputs name
 * the pkgs.db files all the same (what the check reads), and a pkgs.db change makes the
 * model affected. `familyRoot` given: the family's target, over every model's pkgs.db.
 */
export function checkFirmwareTarget(project: string, what: string, familyRoot?: string): TargetConfiguration {
  return {
    executor: `${PLUGIN_NAME}:${CHECK_FIRMWARE}`,
    cache: false,
    inputs: [familyRoot ? `{workspaceRoot}/${literalGlob(familyRoot)}/*/${PKGS_DB}` : `{projectRoot}/${PKGS_DB}`],
    metadata: {
      description: `Check the firmware ${what} offers in pkgs/pkgs.db: offline as xivo-fetchfw reads it, then each distinct URL once (moved, gone, size); --download checks sizes and SHA-1s, --install runs the recipes, --fix rewrites moved URLs, --offline, --json`,
      technologies: ['provd'],
      help: { command: `npx nx run ${project}:${CHECK_FIRMWARE} --help`, example: { options: { offline: true } } },
    },
  };
}
