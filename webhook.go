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
	// FailingSince is when the first of the attempts that have all failed
	// since the last success was made (zero while the last one
	// succeeded); DeadStreak counts the deliveries dead-lettered since
	// then. The delivery worker disables a webhook that fails too long
	// (see WebhookQueue.DisableFailingWebhooks), saying why in
	// DisabledReason; enabling it again clears the three.
	FailingSince   time.Time
	DeadStreak     int
	DisabledReason string
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

// DeliveryAttempt is one attempt of a delivery, as the delivery log
// shows it. Number counts from 1 within the delivery (a resend starts
// again at 1), so a delivery keeps no more attempts than the retry
// schedule has.
type DeliveryAttempt struct {
	Number          int
	At              time.Time
	Status          int // 0 when no response came
	Latency         time.Duration
	Error           string // never a secret
	ResponseExcerpt string
	Node            string // the lease owner that sent it
}

// DeliveryResult is the outcome of one attempt, recorded by the worker.
type DeliveryResult struct {
	Seq             int64 // the delivery's
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
	// GetDelivery returns one delivery of the webhook with its attempts,
	// oldest first.
	GetDelivery(ctx context.Context, orgID, webhookID, id string) (*Delivery, []DeliveryAttempt, error)
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
	// RecordAttempts stores the outcomes of attempts of deliveries leased
	// to owner (each result names its delivery by Seq), in one
	// transaction: the delivery's state and attempt history, and its
	// webhook's FailingSince and DeadStreak. It ends the leases and
	// returns how many it recorded: a result whose lease was lost (it
	// expired and another node took the delivery) writes nothing.
	RecordAttempts(ctx context.Context, owner string, rs []DeliveryResult) (int, error)
	// DisableFailingWebhooks disables every enabled webhook whose attempts
	// have all failed since before failingBefore, or with deadStreak or
	// more dead-lettered deliveries in a row, each with a
	// "webhook.disabled" event (and its reason) in its organization's
	// trail; it returns them.
	DisableFailingWebhooks(ctx context.Context, failingBefore time.Time, deadStreak int) ([]Webhook, error)
	// PruneDeliveries deletes up to limit delivered and dead deliveries
	// created before before, with their attempts; it returns how many.
	PruneDeliveries(ctx context.Context, before time.Time, limit int) (int, error)
	// DeliveryWebhooks returns the webhooks with the given IDs (of any
	// organization), for the worker to sign with.
	DeliveryWebhooks(ctx context.Context, ids []string) (map[string]*Webhook, error)
}
