// Admin accounts (admin role only): list, create, change a password, disable / enable.
import { useCallback } from 'react';
import { useServices } from '../../lib/services-context';
import type { Role } from '../../lib/types';
import { useAction, useResource } from '../../lib/use-resource';

export function useAccounts() {
  const { api } = useServices();
  const accounts = useResource('accounts', () => api.accounts());
  const action = useAction();

  const create = useCallback(
    (username: string, password: string, role: Role) =>
      action.run(async () => {
        await api.createAccount(username.trim(), password, role);
        void accounts.reload();
        return `Account ${username.trim()} created (${role}).`;
      }),
    [action, api, accounts],
  );
  const setPassword = useCallback(
    (username: string, password: string) =>
      action.run(async () => {
        await api.setPassword(username, password);
        return `Password of ${username} changed.`;
      }),
    [action, api],
  );
  const setDisabled = useCallback(
    (username: string, disabled: boolean) =>
      action.run(async () => {
        await api.setDisabled(username, disabled);
        void accounts.reload();
        return `Account ${username} ${disabled ? 'disabled' : 'enabled'}.`;
      }),
    [action, api, accounts],
  );

  return { accounts, action, create, setPassword, setDisabled };
}
