import { anonymousPrincipal, requireUserFilter, STAFF_NAME_LABEL, visibleActorName } from '../src';
import { testPrincipal } from '@socgraph/testkit';

/** Who sees whose name (docs/rbac.md "Who sees whose name"). */
const cora = testPrincipal({ userId: '7', username: 'cora', role: 'customer_user', customerCodes: ['ACME'] });
const staff = ['admin', 'analyst', 'scheduler'].map((role) => testPrincipal({ username: role, role }));

describe('visibleActorName', () => {
  it('shows staff every name', () => {
    for (const p of staff) {
      expect(visibleActorName(p, { username: 'nadia', role: 'analyst' })).toBe('nadia');
      expect(visibleActorName(p, { username: 'carl', role: 'customer_user' })).toBe('carl');
      expect(visibleActorName(p, { username: 'old', role: null })).toBe('old');
    }
  });

  it('shows a customer user itself and customer users by name, staff and unknown roles as the label', () => {
    expect(visibleActorName(cora, { username: 'CORA', role: null })).toBe('CORA');
    expect(visibleActorName(cora, { username: 'carl', role: 'customer_user' })).toBe('carl');
    for (const role of ['admin', 'analyst', 'scheduler', null])
      expect(visibleActorName(cora, { username: 'nadia', role })).toBe(STAFF_NAME_LABEL);
    expect(visibleActorName(anonymousPrincipal(), { username: 'carl', role: 'customer_user' })).toBe(STAFF_NAME_LABEL);
  });
});

describe('requireUserFilter', () => {
  it('lets staff name anyone and a customer user only itself; blank is no filter', () => {
    for (const p of staff) expect(() => requireUserFilter(p, 'nadia', 'filter.assignedTo')).not.toThrow();
    for (const given of [null, undefined, '', '  ', 'cora', ' Cora '])
      expect(() => requireUserFilter(cora, given, 'filter.assignedTo')).not.toThrow();
    for (const other of ['nadia', 'nobody'])
      expect(() => requireUserFilter(cora, other, 'filter.assignedTo')).toThrow(
        expect.objectContaining({
          extensions: expect.objectContaining({ code: 'FORBIDDEN', field: 'filter.assignedTo' }),
        }),
      );
  });
});
