// Package pgtest gives tests a real PostgreSQL database. It starts one
// throwaway cluster per test binary (initdb and pg_ctl on a free port in a
// temporary directory, as an unprivileged user when the tests run as root)
// and a fresh database per test; or, when ROSTER_TEST_POSTGRES_DSN is set,
// it creates the databases on that server instead.
//
// A package that uses it calls pgtest.Main from its TestMain, so that the
// cluster is stopped when the tests end.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
)

// EnvDSN names an existing server to use instead of a throwaway cluster.
const EnvDSN = "ROSTER_TEST_POSTGRES_DSN"

// EnvRequire, when set, turns "PostgreSQL is not available" from a skip
// into a failure; CI sets it so that the PostgreSQL tests always run there.
const EnvRequire = "ROSTER_REQUIRE_POSTGRES"

var (
	once     sync.Once
	cluster  *server
	startErr error
)

type server struct {
	adminDSN string // the maintenance database, for CREATE DATABASE
	dataDir  string // "" when the server is not ours
	pgCtl    string
	cred     *syscall.Credential
}

// Main runs the package's tests and then stops the cluster, if one was
// started. Call it from TestMain: os.Exit(pgtest.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	if cluster != nil && cluster.dataDir != "" {
		cluster.stop()
	}
	return code
}

// DSN returns the URL of a new, empty database that is dropped when the
// test ends. It skips the test when PostgreSQL is not available (or fails
// it, under EnvRequire).
func DSN(t testing.TB) string {
	t.Helper()
	once.Do(func() { cluster, startErr = start() })
	if startErr != nil {
		if os.Getenv(EnvRequire) != "" {
			t.Fatalf("PostgreSQL is required (%s is set) but unavailable: %v", EnvRequire, startErr)
		}
		t.Skipf("PostgreSQL unavailable, skipping: %v (install the postgresql package, or set %s)", startErr, EnvDSN)
	}
	name := "roster_test_" + randomHex(6)
	admin, err := sql.Open("pgx", cluster.adminDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", cluster.adminDSN)
		if err != nil {
			return
		}
		defer admin.Close()
		admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	})
	return withDatabase(cluster.adminDSN, name)
}

func withDatabase(dsn, name string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn
	}
	u.Path = "/" + name
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func start() (*server, error) {
	if dsn := os.Getenv(EnvDSN); dsn != "" {
		return &server{adminDSN: dsn}, nil
	}
	bin, err := findBinaries()
	if err != nil {
		return nil, err
	}
	s := &server{pgCtl: filepath.Join(bin, "pg_ctl")}
	base, err := os.MkdirTemp("", "roster-pg-")
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(base, 0o755); err != nil {
		return nil, err
	}
	s.dataDir = filepath.Join(base, "data")
	if os.Geteuid() == 0 {
		// initdb and postgres refuse to run as root.
		if s.cred, err = unprivileged(); err != nil {
			return nil, err
		}
		if err := os.Chown(base, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
			return nil, err
		}
	}
	const superuser = "roster"
	if out, err := s.run(filepath.Join(bin, "initdb"), "-D", s.dataDir, "-U", superuser, "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"); err != nil {
		return nil, fmt.Errorf("initdb: %v: %s", err, out)
	}
	// A free port can be taken between freePort closing it and the server
	// binding it (other test binaries start clusters at the same time):
	// then start again on another one.
	var port int
	for attempt := 1; ; attempt++ {
		if port, err = freePort(); err != nil {
			return nil, err
		}
		opts := fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200", port)
		out, err := s.run(s.pgCtl, "-D", s.dataDir, "-o", opts, "-l", filepath.Join(base, "postgres.log"), "-w", "-t", "60", "start")
		if err == nil {
			break
		}
		log, _ := os.ReadFile(filepath.Join(base, "postgres.log"))
		if attempt == 5 || !strings.Contains(string(log), "Address already in use") {
			return nil, fmt.Errorf("pg_ctl start: %v: %s\n%s", err, out, log)
		}
	}
	s.adminDSN = fmt.Sprintf("postgres://%s@127.0.0.1:%d/postgres?sslmode=disable", superuser, port)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := sql.Open("pgx", s.adminDSN)
	if err != nil {
		s.stop()
		return nil, err
	}
	defer db.Close()
	if err := db.PingContext(ctx); err != nil {
		s.stop()
		return nil, fmt.Errorf("connect to the test cluster: %w", err)
	}
	return s, nil
}

func (s *server) run(name string, args ...string) ([]byte, error) {
	cmd := exec.Command(name, args...)
	if s.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	}
	cmd.Dir = filepath.Dir(s.dataDir)
	return cmd.CombinedOutput()
}

func (s *server) stop() {
	s.run(s.pgCtl, "-D", s.dataDir, "-m", "immediate", "-w", "stop")
	os.RemoveAll(filepath.Dir(s.dataDir))
}

// findBinaries finds initdb and pg_ctl on PATH or in Debian's
// /usr/lib/postgresql/<version>/bin, newest version first.
func findBinaries() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if _, err := exec.LookPath("pg_ctl"); err == nil {
			if real, err := filepath.EvalSymlinks(p); err == nil {
				return filepath.Dir(real), nil
			}
			return filepath.Dir(p), nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", fmt.Errorf("initdb and pg_ctl not found on PATH or in /usr/lib/postgresql/*/bin")
}

func versionOf(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// unprivileged returns the credentials to run PostgreSQL with when the
// tests run as root: the postgres user if there is one, else nobody.
func unprivileged() (*syscall.Credential, error) {
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
	}
	return nil, fmt.Errorf("running as root, and there is neither a postgres nor a nobody user to run PostgreSQL as")
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
