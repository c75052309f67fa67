// Names for the API's types, all derived from the generated schema (docs/openapi.yaml via
// openapi-typescript): nothing here is written by hand. Path-based where the contract fixes
// the route, so a renamed schema in the spec does not break the app.

import type { Writable } from "openapi-typescript-helpers";

import type { components, paths } from "./schema.gen";

type Schemas = components["schemas"];
type Json<T> = T extends { content: { "application/json": infer B } } ? B : never;

export type Designation = Schemas["Designation"];
export type AmountType = Schemas["AmountType"];
export type DepositStatus = Schemas["Status"];
export type DirectDeposit = Schemas["DirectDeposit"];
// Request bodies as openapi-fetch takes them (`Writable` drops a property typed only `null`,
// such as a Balance Remainder's `amount`, which the app then leaves out).
export type NewDirectDeposit = Writable<Schemas["NewDirectDeposit"]>;
export type DirectDepositPatch = Schemas["DirectDepositPatch"];
export type ApiErrorBody = Schemas["Error"];
/** An amount type with its amount: required for Flat and Percentage, null for Balance Remainder. */
export type AllocationBody = Writable<Schemas["Allocation"]>;

const EMPLOYEE = "/tenants/{tenantId}/companies/{companyId}/employees/{employeeId}";
type EmployeePath = typeof EMPLOYEE;

export type Me = Json<paths["/tenants/{tenantId}/me"]["get"]["responses"][200]>;
export type PaycheckPreview = Json<
  paths[`${EmployeePath}/paycheck-preview`]["post"]["responses"][200]
>;
export type PaycheckPreviewRequest = Writable<NonNullable<
  paths[`${EmployeePath}/paycheck-preview`]["post"]["requestBody"]
>["content"]["application/json"]>;
export type PendingList = Json<
  paths["/tenants/{tenantId}/companies/{companyId}/pending-direct-deposits"]["get"]["responses"][200]
>;
export type PendingDeposit = PendingList["results"][number];
