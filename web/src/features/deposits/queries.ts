// Server state of the employee's own deposits (TanStack Query over the generated client).

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { idempotencyKey, unwrap } from "../../api/client";
import type {
  DirectDeposit,
  DirectDepositPatch,
  Me,
  NewDirectDeposit,
  PaycheckPreview,
  PaycheckPreviewRequest,
} from "../../api/types";
import { useMe, useSession } from "../sign-in/session";

export interface EmployeeRef {
  tenantId: string;
  companyId: number;
  employeeId: number;
}

/** The signed-in user's own employee path. */
export function useOwnEmployee(): EmployeeRef | null {
  const me = useMe();
  return employeeOf(me);
}

export function employeeOf(me: Me): EmployeeRef | null {
  if (me.companyId === null || me.employeeId === null) return null;
  return { tenantId: me.tenantId, companyId: me.companyId, employeeId: me.employeeId };
}

const depositsKey = (who: EmployeeRef | null) => ["deposits", who?.tenantId, who?.companyId, who?.employeeId];

function path(who: EmployeeRef) {
  return { tenantId: who.tenantId, companyId: who.companyId, employeeId: who.employeeId };
}

/** Every active deposit (all pages; an employee has a handful). */
export function useDeposits(who: EmployeeRef | null) {
  const { client } = useSession();
  return useQuery({
    queryKey: depositsKey(who),
    enabled: who !== null,
    queryFn: async (): Promise<DirectDeposit[]> => {
      if (!who) return [];
      const all: DirectDeposit[] = [];
      let pageToken: string | undefined;
      for (;;) {
        const page = unwrap(
          await client.GET("/tenants/{tenantId}/companies/{companyId}/employees/{employeeId}/direct-deposits", {
            params: { path: path(who), query: pageToken ? { pageToken } : {} },
          }),
        );
        if (!page) break;
        all.push(...page.results);
        const next = page.next ? new URL(page.next, "http://x").searchParams.get("pageToken") : null;
        if (!next) break;
        pageToken = next;
      }
      return all;
    },
  });
}

export function useDeposit(who: EmployeeRef | null, id: number) {
  const { client } = useSession();
  return useQuery({
    queryKey: [...depositsKey(who), id],
    enabled: who !== null && Number.isSafeInteger(id) && id > 0,
    queryFn: async (): Promise<DirectDeposit> =>
      unwrap(
        await client.GET(
          "/tenants/{tenantId}/companies/{companyId}/employees/{employeeId}/direct-deposits/{id}",
          { params: { path: { ...path(who as EmployeeRef), id } } },
        ),
      ),
  });
}

export function useCreateDeposit(who: EmployeeRef) {
  const { client } = useSession();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: NewDirectDeposit): Promise<DirectDeposit> =>
      unwrap(
        await client.POST("/tenants/{tenantId}/companies/{companyId}/employees/{employeeId}/direct-deposits", {
          params: { path: path(who), header: { "Idempotency-Key": idempotencyKey() } },
          body,
        }),
      ),
    onSettled: () => queryClient.invalidateQueries({ queryKey: depositsKey(who) }),
  });
}

export function useUpdateDeposit(who: EmployeeRef, id: number) {
  const { client } = useSession();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: DirectDepositPatch): Promise<DirectDeposit> =>
      unwrap(
        await client.PATCH(
          "/tenants/{tenantId}/companies/{companyId}/employees/{employeeId}/direct-deposits/{id}",
          { params: { path: { ...path(who), id } }, body },
        ),
      ),
    onSettled: () => queryClient.invalidateQueries({ queryKey: depositsKey(who) }),
  });
}

export function useDeleteDeposit(who: EmployeeRef) {
  const { client } = useSession();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (id: number): Promise<void> => {
      unwrap(
        await client.DELETE(
          "/tenants/{tenantId}/companies/{companyId}/employees/{employeeId}/direct-deposits/{id}",
          { params: { path: { ...path(who), id } } },
        ),
      );
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: depositsKey(who) }),
  });
}

/** What lands where for a paycheck: computed by the server's allocation code, never here. */
export function usePaycheckPreview(who: EmployeeRef | null, request: PaycheckPreviewRequest | null) {
  const { client } = useSession();
  return useQuery({
    queryKey: [...depositsKey(who), "preview", request],
    enabled: who !== null && request !== null,
    queryFn: async (): Promise<PaycheckPreview> =>
      unwrap(
        await client.POST(
          "/tenants/{tenantId}/companies/{companyId}/employees/{employeeId}/paycheck-preview",
          { params: { path: path(who as EmployeeRef) }, body: request as PaycheckPreviewRequest },
        ),
      ),
  });
}
