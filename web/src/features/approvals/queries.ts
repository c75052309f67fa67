// HR admin server state: the company's pending changes, approve, reject (with a reason) and
// revealing a full account number (audited by the server).

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { unwrap } from "../../api/client";
import type { DirectDeposit, PendingDeposit } from "../../api/types";
import { useSession } from "../sign-in/session";

export interface CompanyRef {
  tenantId: string;
  companyId: number;
}

const pendingKey = (company: CompanyRef) => ["pending", company.tenantId, company.companyId];

export function usePending(company: CompanyRef) {
  const { client } = useSession();
  return useQuery({
    queryKey: pendingKey(company),
    queryFn: async (): Promise<PendingDeposit[]> => {
      const all: PendingDeposit[] = [];
      let pageToken: string | undefined;
      for (;;) {
        const page = unwrap(
          await client.GET("/tenants/{tenantId}/companies/{companyId}/pending-direct-deposits", {
            params: { path: company, query: pageToken ? { pageToken } : {} },
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

function itemPath(company: CompanyRef, deposit: PendingDeposit) {
  return { ...company, employeeId: deposit.employeeId, id: deposit.id };
}

export function useApprove(company: CompanyRef) {
  const { client } = useSession();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (deposit: PendingDeposit): Promise<DirectDeposit> =>
      unwrap(
        await client.POST(
          "/tenants/{tenantId}/companies/{companyId}/employees/{employeeId}/direct-deposits/{id}/approve",
          { params: { path: itemPath(company, deposit) } },
        ),
      ),
    onSettled: () => queryClient.invalidateQueries({ queryKey: pendingKey(company) }),
  });
}

export function useReject(company: CompanyRef) {
  const { client } = useSession();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ deposit, reason }: { deposit: PendingDeposit; reason: string }): Promise<DirectDeposit> =>
      unwrap(
        await client.POST(
          "/tenants/{tenantId}/companies/{companyId}/employees/{employeeId}/direct-deposits/{id}/reject",
          { params: { path: itemPath(company, deposit) }, body: { reason } },
        ),
      ),
    onSettled: () => queryClient.invalidateQueries({ queryKey: pendingKey(company) }),
  });
}

/** The clear account number: fetched on request only, kept in component state, never cached. */
export function useReveal(company: CompanyRef) {
  const { client } = useSession();
  return useMutation({
    mutationFn: async (deposit: PendingDeposit): Promise<string> =>
      unwrap(
        await client.POST(
          "/tenants/{tenantId}/companies/{companyId}/employees/{employeeId}/direct-deposits/{id}/reveal",
          { params: { path: itemPath(company, deposit) } },
        ),
      ).accountNumber,
  });
}
