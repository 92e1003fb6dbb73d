package connectors

import (
	"time"

	"github.com/rosterhq/roster"
)

// View is a connector as every surface shows it: its settings and health,
// never its token (which was given once and stays sealed).
type View struct {
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	Product     string     `json:"product"`
	URL         string     `json:"url"`
	OnRevoke    string     `json:"onRevoke"`
	Groups      bool       `json:"groups"`
	Paused      bool       `json:"paused"`
	DryRun      bool       `json:"dryRun"`
	RateLimit   int        `json:"rateLimit"`
	CheckGaps   []string   `json:"checkGaps"`
	Created     time.Time  `json:"created"`
	LastRun     *time.Time `json:"lastRun"`
	LastSuccess *time.Time `json:"lastSuccess"`
	LastError   string     `json:"lastError,omitempty"`
	InSync      int        `json:"inSync"`
	OutOfSync   int        `json:"outOfSync"`
	Failures    int        `json:"failures"`
	SyncPending bool       `json:"syncPending"`
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// ViewOf is c's View.
func ViewOf(c *roster.Connector) View {
	gaps := c.CheckGaps
	if gaps == nil {
		gaps = []string{}
	}
	return View{ID: c.ID, Name: c.Name, Product: c.Product, URL: c.BaseURL, OnRevoke: string(c.OnRevoke), Groups: c.Groups, Paused: c.Paused, DryRun: c.DryRun,
		RateLimit: c.RateLimit, CheckGaps: gaps, Created: c.Created.UTC(), LastRun: optTime(c.LastRun), LastSuccess: optTime(c.LastSuccess),
		LastError: c.LastError, InSync: c.InSync, OutOfSync: c.OutOfSync, Failures: c.Failures, SyncPending: c.SyncRequested}
}

// DeliveryView is a line of a connector's delivery log as surfaces show it.
type DeliveryView struct {
	Seq       int64     `json:"seq"`
	User      string    `json:"user"`
	Group     string    `json:"group,omitempty"`
	Op        string    `json:"op"`
	Method    string    `json:"method"`
	Path      string    `json:"path"`
	Status    int       `json:"status"`
	Attempts  int       `json:"attempts"`
	LatencyMS int64     `json:"latencyMs"`
	Error     string    `json:"error,omitempty"`
	Response  string    `json:"response,omitempty"`
	At        time.Time `json:"at"`
}

// DeliveryViewOf is d's DeliveryView.
func DeliveryViewOf(d *roster.ConnectorDelivery) DeliveryView {
	return DeliveryView{Seq: d.Seq, User: d.UserID, Group: d.GroupID, Op: d.Op, Method: d.Method, Path: d.Path, Status: d.Status, Attempts: d.Attempts,
		LatencyMS: d.Latency.Milliseconds(), Error: d.Error, Response: d.ResponseExcerpt, At: d.At.UTC()}
}
