package connectors_test

import (
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/connectors"
)

// TestPurgeDeliveries: the delivery log keeps the retention's lines and
// loses the older ones, of every connector, over more than one batch.
func TestPurgeDeliveries(t *testing.T) {
	h := newHub(t)
	var ids []string
	for _, name := range []string{"Jira", "Wiki"} {
		c := &roster.Connector{OrgID: h.org.ID, Product: "jira", Name: name, Token: []byte("x"), OnRevoke: roster.RevokeDeactivate}
		must(t, h.store.CreateConnector(ctx, c))
		ids = append(ids, c.ID)
	}
	now := time.Now().UTC()
	var ds []roster.ConnectorDelivery
	for i := range 6000 { // more than one purge batch
		ds = append(ds, roster.ConnectorDelivery{ConnectorID: ids[i%2], UserID: "u", Op: "update", Method: "PATCH", Path: "/Users/x", Status: 200,
			At: now.Add(-31*24*time.Hour - time.Duration(i)*time.Second)})
	}
	for _, id := range ids {
		ds = append(ds, roster.ConnectorDelivery{ConnectorID: id, UserID: "u", Op: "create", Method: "POST", Path: "/Users", Status: 201, At: now.Add(-29 * 24 * time.Hour)})
	}
	must(t, h.store.AddConnectorDeliveries(ctx, h.org.ID, ds))
	n, err := connectors.PurgeDeliveries(ctx, h.store, now.Add(-30*24*time.Hour))
	must(t, err)
	if n != 6000 {
		t.Errorf("purged %d lines, want the 6000 older than 30 days", n)
	}
	for _, id := range ids {
		log, err := h.svc.Deliveries(ctx, h.org.ID, id, false, 1000)
		must(t, err)
		if len(log) != 1 || log[0].Op != "create" {
			t.Errorf("connector %s's log after the purge: %d lines, want the one within 30 days", id, len(log))
		}
	}
}
