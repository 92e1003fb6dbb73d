package server

import (
	"database/sql"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the Prometheus series every request feeds. Labels are the
// route pattern, not the path, so that IDs never become series.
type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inflight prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "roster_http_requests_total",
			Help: "HTTP requests by route, method, status and directory (empty outside the SCIM API).",
		}, []string{"route", "method", "status", "directory"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "roster_http_request_duration_seconds",
			Help:    "Time to answer a request, by route and method.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10},
		}, []string{"route", "method"}),
		inflight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "roster_http_requests_in_flight",
			Help: "Requests being served now.",
		}),
	}
	reg.MustRegister(m.requests, m.duration, m.inflight)
	return m
}

// observe records one finished request of directory dir ("" unless it
// authenticated for one). It runs after the handlers, when the routers
// have put the matched pattern on r. Every label comes from a fixed set
// or from the store, never from what the client typed.
func (m *metrics) observe(r *http.Request, status int, dir string, elapsed time.Duration) {
	route := r.Pattern
	if _, path, ok := strings.Cut(route, " "); ok {
		route = path // the method has a label of its own
	}
	if route == "" {
		route = "unmatched"
	}
	method := r.Method
	if !knownMethods[method] {
		method = "other"
	}
	m.requests.WithLabelValues(route, method, strconv.Itoa(status), dir).Inc()
	m.duration.WithLabelValues(route, method).Observe(elapsed.Seconds())
}

var knownMethods = map[string]bool{"GET": true, "HEAD": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true, "OPTIONS": true}

// RegisterDB exports a database pool's statistics (open, in use, waits)
// as go_sql_* series labelled db_name="roster_<name>".
func RegisterDB(reg prometheus.Registerer, name string, db *sql.DB) {
	reg.MustRegister(collectors.NewDBStatsCollector(db, "roster_"+name))
}

func metricsHandler(g prometheus.Gatherer) http.Handler {
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{})
}
