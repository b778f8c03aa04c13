// The REST API's types, generated from docs/openapi.yaml into openapi.d.ts
// (`npm run gen:api`; openapi.test.ts fails when that file is not current),
// so client and server cannot drift. Import them through these short names.
import type { components, operations } from './openapi';

/** The named schemas: `Schemas['Report']`, `Schemas['TokenResponse']`, ... */
export type Schemas = components['schemas'];

/** The query parameters of an operation (by operationId). */
export type Query<Op extends keyof operations> = NonNullable<operations[Op]['parameters']['query']>;

/** The JSON body of an operation's answer with the given status. */
export type JsonResponse<Op extends keyof operations, Status extends keyof operations[Op]['responses']> =
  operations[Op]['responses'][Status] extends { content: { 'application/json': infer Body } } ? Body : never;
