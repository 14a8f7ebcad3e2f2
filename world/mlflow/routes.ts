/**
 * The endpoints the stand-in answers, under /api/2.0/mlflow/, each with the permission MLflow's auth
 * app checks before it (BEFORE_REQUEST_HANDLERS): READ to read a registered model, EDIT (update) to
 * set an alias or a version tag, MANAGE (delete) to delete either; READ on the experiment for a run.
 * Search checks nothing before and filters its results to readable models after.
 */
import type { Level } from './auth.js';
import { checkAliasName, maxResults, optionalString, type Params, requiredString } from './protocol.js';
import type { Registry } from './registry.js';

export interface Route {
  need?: { on: 'model' | 'run'; level: Level };
  handle(params: Params, readable: (model: string) => boolean): unknown;
}

export function routesOf(registry: Registry): Record<string, Route> {
  const strings = (p: Params, ...names: string[]) => names.map((n) => requiredString(p, n));
  return {
    'GET registered-models/get': {
      need: { on: 'model', level: 'read' },
      handle: (p) => ({ registered_model: registry.registeredModelJson(requiredString(p, 'name')) }),
    },
    'GET model-versions/search': {
      handle: (p, readable) =>
        registry.search(
          optionalString(p, 'filter'),
          maxResults(p),
          p.order_by,
          optionalString(p, 'page_token'),
          readable,
        ),
    },
    'GET model-versions/get': {
      need: { on: 'model', level: 'read' },
      handle: (p) => {
        const [name = '', version = ''] = strings(p, 'name', 'version');
        return { model_version: registry.modelVersionJson(name, version) };
      },
    },
    'GET registered-models/alias': {
      need: { on: 'model', level: 'read' },
      handle: (p) => {
        const [name = '', alias = ''] = strings(p, 'name', 'alias');
        checkAliasName(alias);
        return { model_version: registry.aliasVersionJson(name, alias) };
      },
    },
    'POST registered-models/alias': {
      need: { on: 'model', level: 'update' },
      handle: (p) => {
        const [name = '', alias = '', version = ''] = strings(p, 'name', 'alias', 'version');
        checkAliasName(alias);
        registry.setAliasFromRequest(name, alias, version);
        return {};
      },
    },
    'DELETE registered-models/alias': {
      need: { on: 'model', level: 'delete' },
      handle: (p) => {
        const [name = '', alias = ''] = strings(p, 'name', 'alias');
        registry.deleteAliasFromRequest(name, alias);
        return {};
      },
    },
    'POST model-versions/set-tag': {
      need: { on: 'model', level: 'update' },
      handle: (p) => {
        const [name = '', version = '', key = ''] = strings(p, 'name', 'version', 'key');
        registry.setTagFromRequest(name, version, key, optionalString(p, 'value') ?? '');
        return {};
      },
    },
    'DELETE model-versions/delete-tag': {
      need: { on: 'model', level: 'delete' },
      handle: (p) => {
        const [name = '', version = '', key = ''] = strings(p, 'name', 'version', 'key');
        registry.deleteTagFromRequest(name, version, key);
        return {};
      },
    },
    'GET runs/get': {
      need: { on: 'run', level: 'read' },
      handle: (p) => {
        // The deprecated run_uuid still works where run_id is absent.
        const runId = optionalString(p, 'run_id') || optionalString(p, 'run_uuid');
        return { run: registry.runJson(requiredString({ run_id: runId }, 'run_id')) };
      },
    },
  };
}
