package roster

import (
	"context"
	"time"
)

// Webhook is an endpoint of an organization's application that Roster
// tells about changes: the events of the audit trail whose type matches
// one of Events (and, when DirectoryID is set, of that directory only),
// signed per the Standard Webhooks specification.
//
// Secret and OldSecret are sealed (encrypted with the server's secret key,
// see package webhooks): signing needs the secret itself, so it cannot be
// kept as a hash the way tokens are. OldSecret signs alongside Secret
// until OldSecretUntil after a rotation.
type Webhook struct {
	ID             string
	OrgID          string
	DirectoryID    string   // "" for every directory of the organization
	URL            string   // https://, checked by package webhooks
	Events         []string // patterns: "user.created", "user.*", "*"
	Secret         []byte   // sealed
	OldSecret      []byte   // sealed; empty when there is none
	OldSecretUntil time.Time
	Disabled       bool
	Created        time.Time
	Modified       time.Time
	// Cursor is the sequence number of the last event that was turned
	// into this webhook's deliveries.
	Cursor int64
}

// DeliveryState is where a delivery stands.
type DeliveryState string

// Delivery states.
const (
	DeliveryPending   DeliveryState = "pending"   // waiting for its (next) attempt
	DeliveryDelivered DeliveryState = "delivered" // the receiver answered 2xx
	DeliveryDead      DeliveryState = "dead"      // every attempt failed: dead-lettered, shown, resendable
)

// Delivery is one message to one webhook: an event (or a test), with its
// attempts so far. ID is the message's webhook-id, the same on every
// attempt, so that receivers can drop duplicates.
type Delivery struct {
	Seq         int64 // creation order
	ID          string
	WebhookID   string
	OrgID       string
	EventSeq    int64  // 0 for a test message
	Type        string // "user.created", "webhook.test", ...
	ResourceKey string // deliveries with one key are sent in order
	Payload     string // the JSON body, signed as is
	State       DeliveryState
	Attempts    int
	NextAttempt time.Time
	Created     time.Time
	// The last attempt's outcome.
	LastAttempt     time.Time
	LastStatus      int    // HTTP status; 0 when no response came
	LastError       string // why the attempt failed, for the admin; never a secret
	LastLatency     time.Duration
	ResponseExcerpt string // the start of the response body
}

// DeliveryResult is the outcome of one attempt, recorded by the worker.
type DeliveryResult struct {
	Delivered       bool
	Status          int
	Error           string
	Latency         time.Duration
	ResponseExcerpt string
	At              time.Time
	// Retry is when the next attempt is due; zero dead-letters the
	// delivery (with Delivered false).
	Retry time.Time
}

// Webhooks keeps an organization's webhooks and their delivery log.
type Webhooks interface {
	CreateWebhook(ctx context.Context, w *Webhook) error
	GetWebhook(ctx context.Context, orgID, id string) (*Webhook, error)
	ListWebhooks(ctx context.Context, orgID string) ([]Webhook, error)
	// UpdateWebhook loads the webhook, calls fn on it and stores what fn
	// left, in one transaction (fn's error aborts it).
	UpdateWebhook(ctx context.Context, orgID, id string, fn func(*Webhook) error) (*Webhook, error)
	DeleteWebhook(ctx context.Context, orgID, id string) error

	// CreateDelivery queues a message that is no event (a test send).
	CreateDelivery(ctx context.Context, d *Delivery) error
	// ListDeliveries returns the webhook's deliveries, newest first, up to
	// limit; state "" for all.
	ListDeliveries(ctx context.Context, orgID, webhookID string, state DeliveryState, limit int) ([]Delivery, error)
	// ResendDelivery queues a delivered or dead delivery again, now, with
	// its webhook-id unchanged.
	ResendDelivery(ctx context.Context, orgID, webhookID, id string) error
	// ReplayWebhook delivers again every matching event after fromSeq-1:
	// the webhook's cursor goes back, and deliveries of those events that
	// were delivered or dead are queued again.
	ReplayWebhook(ctx context.Context, orgID, id string, fromSeq int64) error

	WebhookQueue
}

// WebhookQueue is the delivery worker's side of the webhooks. Unlike
// every other store method these serve all organizations at once: the
// worker is one queue for the whole server. Each item it returns carries
// its organization, and nothing a client sends reaches them.
type WebhookQueue interface {
	// FanOutEvents turns events after each enabled webhook's cursor into
	// its deliveries and advances the cursor, in one transaction, at most
	// limit events per call; it reports how many deliveries it made. An
	// event whose sequence number may still be taken by a transaction not
	// yet committed waits for the next call (see the implementation).
	FanOutEvents(ctx context.Context, filter func(*Webhook, *Event) (typ, resourceKey, payload string, ok bool), limit int) (int, error)
	// ClaimDeliveries leases up to limit due deliveries to owner until
	// leaseUntil: the oldest pending delivery of each webhook and resource
	// key only, so that one resource's messages go out in order. A
	// delivery leased to another node whose lease has not expired is
	// never returned.
	ClaimDeliveries(ctx context.Context, owner string, now, leaseUntil time.Time, limit int) ([]Delivery, error)
	// RecordAttempt stores the outcome of an attempt of a delivery leased
	// to owner and ends the lease; false when the lease was lost (it
	// expired and another node took the delivery), in which case nothing
	// is written.
	RecordAttempt(ctx context.Context, owner string, seq int64, r DeliveryResult) (bool, error)
	// DeliveryWebhooks returns the webhooks with the given IDs (of any
	// organization), for the worker to sign with.
	DeliveryWebhooks(ctx context.Context, ids []string) (map[string]*Webhook, error)
}
