package netns_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"xaso/build/testkit"
	"xaso/sync/netns"
	"xaso/sync/netns/netnstest"
)

// helperEnv selects the echo-server helper mode of the re-executed test
// binary (see TestMain).
const helperEnv = "XASO_NETNS_TEST_HELPER"

func TestMain(m *testing.M) {
	if addr := os.Getenv(helperEnv); addr != "" {
		os.Exit(echoHelper(addr))
	}
	os.Exit(m.Run())
}

// echoHelper listens on addr inside whatever namespace it was started in,
// answers "echo:<line>" to every line, and exits 0 on SIGTERM.
func echoHelper(addr string) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}
	fmt.Println("ready", ln.Addr())
	go func() {
		<-ctx.Done()
		ln.Close()
	}()
	serveEchoOn(ln)
	return 0 // closed by SIGTERM
}

// serveEchoOn echoes every connection accepted on ln until ln is closed.
func serveEchoOn(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go serveEcho(c)
	}
}

func serveEcho(c net.Conn) {
	defer c.Close()
	sc := bufio.NewScanner(c)
	for sc.Scan() {
		fmt.Fprintf(c, "echo:%s\n", sc.Text())
	}
}

// bashDial connects from node from to addr with bash's /dev/tcp, sends a
// line and returns the answer line; it gives up after about a second.
func bashDial(lab *netns.Lab, from int, addr string, port int) (string, error) {
	script := fmt.Sprintf(`exec 3<>/dev/tcp/%s/%d && echo hi >&3 && head -n1 <&3`, addr, port)
	out, err := lab.Run(from, "timeout", "1", "bash", "-c", script)
	return strings.TrimSpace(string(out)), err
}

// dialEcho connects from node from in-process and does one echo exchange.
func dialEcho(lab *netns.Lab, from int, addr string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	c, err := lab.DialContext(from)(ctx, "tcp", addr)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := io.WriteString(c, "ping\n"); err != nil {
		return "", err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return strings.TrimSpace(line), err
}

var eventually = testkit.Eventually

func TestLabReachAcrossNamespacesAndCutLink(t *testing.T) {
	lab := netnstest.New(t, "netnstest", 2)

	if got, want := lab.Addr(2).String(), fmt.Sprintf("10.99.%d.2", lab.Prefix().Addr().As4()[2]); got != want {
		t.Fatalf("Addr(2) = %s, want %s", got, want)
	}
	out, err := lab.Run(1, "ip", "-o", "addr", "show", "dev", "eth0")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{lab.Addr(1).String() + "/24", lab.Addr6(1).String() + "/64"} {
		if !strings.Contains(string(out), a) {
			t.Fatalf("node 1 eth0 lacks %s:\n%s", a, out)
		}
	}

	// A listener made in-process inside node 1's namespace.
	ln, err := lab.Listen(1, "tcp", lab.Addr(1).String()+":0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go serveEchoOn(ln)
	port := ln.Addr().(*net.TCPAddr).Port
	addr := net.JoinHostPort(lab.Addr(1).String(), strconv.Itoa(port))

	// The host itself has no route to the lab: the listener really is in
	// the namespace, not on the host.
	if c, err := net.DialTimeout("tcp", addr, 300*time.Millisecond); err == nil {
		c.Close()
		t.Fatalf("dialled %s from the host namespace; the lab leaks onto the host", addr)
	}

	// Reached from node 2 by another program (bash) and in-process.
	if got, err := bashDial(lab, 2, lab.Addr(1).String(), port); err != nil || got != "echo:hi" {
		t.Fatalf("bash from node 2: %q, %v", got, err)
	}
	if got, err := dialEcho(lab, 2, addr); err != nil || got != "echo:ping" {
		t.Fatalf("dial from node 2: %q, %v", got, err)
	}
	// Over IPv6 too.
	addr6 := net.JoinHostPort(lab.Addr6(1).String(), strconv.Itoa(port))
	ln6, err := lab.Listen(1, "tcp", addr6)
	if err != nil {
		t.Fatal(err)
	}
	defer ln6.Close()
	go func() {
		if c, err := ln6.Accept(); err == nil {
			serveEcho(c)
		}
	}()
	if got, err := dialEcho(lab, 2, addr6); err != nil || got != "echo:ping" {
		t.Fatalf("IPv6 dial from node 2: %q, %v", got, err)
	}

	// Unplug node 1: node 2 can no longer reach it.
	if err := lab.Link(1, false); err != nil {
		t.Fatal(err)
	}
	if got, err := bashDial(lab, 2, lab.Addr(1).String(), port); err == nil {
		t.Fatalf("bash reached node 1 through a cut link: %q", got)
	}
	if got, err := dialEcho(lab, 2, addr); err == nil {
		t.Fatalf("dial reached node 1 through a cut link: %q", got)
	}

	// Plug it back: it heals.
	if err := lab.Link(1, true); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "reach node 1 after healing", func() error {
		got, err := dialEcho(lab, 2, addr)
		if err == nil && got != "echo:ping" {
			err = fmt.Errorf("answer %q", got)
		}
		return err
	})
}

func TestLabPartition(t *testing.T) {
	lab := netnstest.New(t, "netnspart", 3)
	addrs := map[int]string{}
	for i := 1; i <= 3; i++ {
		ln, err := lab.Listen(i, "tcp", lab.Addr(i).String()+":7000")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go serveEchoOn(ln)
		addrs[i] = ln.Addr().String()
	}
	reach := func(from, to int) bool {
		got, err := dialEcho(lab, from, addrs[to])
		return err == nil && got == "echo:ping"
	}
	// Split {1,2} | {3}: nodes 1 and 2 move to segment 1 together.
	for _, i := range []int{1, 2} {
		if err := lab.Attach(i, 1); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, 5*time.Second, "1 and 2 talk on segment 1", func() error {
		if !reach(1, 2) || !reach(2, 1) {
			return fmt.Errorf("1 and 2 cannot talk")
		}
		return nil
	})
	if reach(1, 3) || reach(3, 2) {
		t.Fatal("a partitioned node was reached")
	}
	// Join the LAN again.
	for _, i := range []int{1, 2} {
		if err := lab.Attach(i, 0); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, 5*time.Second, "everyone talks again", func() error {
		if !reach(1, 3) || !reach(3, 2) {
			return fmt.Errorf("3 is still cut off")
		}
		return nil
	})
	if err := lab.Attach(1, 100); err == nil {
		t.Fatal("segment 100 accepted")
	}
}

func TestStartRunsProgramInNode(t *testing.T) {
	lab := netnstest.New(t, "netnsstart", 2)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	addr := net.JoinHostPort(lab.Addr(2).String(), "7000")
	p, err := lab.Start(2, self, nil, []string{helperEnv + "=" + addr})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "helper ready", func() error {
		if p.Exited() {
			return fmt.Errorf("helper exited: %v: %s", p.Wait(), p.Stderr())
		}
		if !strings.HasPrefix(string(p.Stdout()), "ready ") {
			return fmt.Errorf("stdout %q", p.Stdout())
		}
		return nil
	})
	if got, err := dialEcho(lab, 1, addr); err != nil || got != "echo:ping" {
		t.Fatalf("dial the helper from node 1: %q, %v", got, err)
	}
	if err := p.Stop(5 * time.Second); err != nil {
		t.Fatalf("helper did not exit cleanly on SIGTERM: %v: %s", err, p.Stderr())
	}

	// StopAll: a well-behaved process exits cleanly, one that ignores
	// SIGTERM is killed after the grace period.
	p1, err := lab.Start(1, self, nil, []string{helperEnv + "=" + net.JoinHostPort(lab.Addr(1).String(), "7001")})
	if err != nil {
		t.Fatal(err)
	}
	stubborn, err := lab.Start(2, "sh", []string{"-c", `trap "" TERM; echo armed; while :; do sleep 0.05; done`}, nil)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "both started", func() error {
		if !strings.HasPrefix(string(p1.Stdout()), "ready ") || !strings.HasPrefix(string(stubborn.Stdout()), "armed") {
			return fmt.Errorf("not yet: %q %q", p1.Stdout(), stubborn.Stdout())
		}
		return nil
	})
	if errs := netns.StopAll(5*time.Second, p1); errs[0] != nil {
		t.Fatalf("StopAll on a well-behaved helper: %v", errs[0])
	}
	if errs := netns.StopAll(200*time.Millisecond, stubborn); errs[0] == nil {
		t.Fatal("StopAll: a process ignoring SIGTERM reported a clean exit")
	}

	// A crash (SIGKILL) is reported as such.
	p2, err := lab.Start(1, "sleep", []string{"60"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := p2.Kill(); err == nil {
		t.Fatal("a killed process reported a clean exit")
	}
}

func TestCloseDeletesNamespacesAndProcesses(t *testing.T) {
	lab := netnstest.New(t, "netnsclose", 2)
	p, err := lab.Start(1, "sleep", []string{"60"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// A process started outside Start is killed with its namespace too.
	stray := lab.Command(2, "sleep", "60")
	if err := stray.Start(); err != nil {
		t.Fatal(err)
	}
	// `ip netns exec` enters the namespace after it starts (same PID): wait
	// for that, or Close may look before the process is inside (seen on a
	// loaded machine).
	inside := false
	for deadline := time.Now().Add(10 * time.Second); !inside && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		inside = slices.Contains(netns.NSPids(lab.NS(2)), stray.Process.Pid)
	}
	if !inside {
		t.Fatal("the stray process never entered its namespace")
	}
	names := []string{lab.BridgeNS(), lab.NS(1), lab.NS(2)}
	for _, ns := range names {
		if _, err := os.Stat(netns.NSDir + "/" + ns); err != nil {
			t.Fatalf("namespace %s missing: %v", ns, err)
		}
	}
	if err := lab.Close(); err != nil {
		t.Fatal(err)
	}
	if !p.Exited() {
		t.Fatal("Close left a started process running")
	}
	if err := stray.Wait(); err == nil {
		t.Fatal("the stray process exited cleanly; it should have been killed")
	}
	for _, ns := range names {
		if _, err := os.Stat(netns.NSDir + "/" + ns); !os.IsNotExist(err) {
			t.Fatalf("namespace %s still exists after Close (%v)", ns, err)
		}
	}
	if err := lab.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := lab.Start(1, "true", nil, nil); err == nil {
		t.Fatal("Start on a closed lab succeeded")
	}
}

func TestRemoveStale(t *testing.T) {
	netnstest.Require(t)
	// A pid that surely belonged to a process that is gone now.
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	deadPid := dead.Process.Pid
	if netns.PidAlive(deadPid) {
		t.Skipf("pid %d was reused already", deadPid)
	}
	stale := fmt.Sprintf("%s-%d-1-stale-n1", netns.Prefix, deadPid)
	live := fmt.Sprintf("%s-%d-999-live-n1", netns.Prefix, os.Getpid())
	for _, ns := range []string{stale, live} {
		if err := netns.IP("netns", "add", ns); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = netns.DeleteNS(ns) })
	}
	// A leftover process of the dead run, still inside the stale namespace.
	orphan := exec.Command("ip", "netns", "exec", stale, "sleep", "60")
	if err := orphan.Start(); err != nil {
		t.Fatal(err)
	}
	// `ip netns exec` enters the namespace, then execs sleep with the same
	// pid: on a loaded machine that takes a while, and a process not yet
	// inside is not the namespace's to kill.
	testkit.WaitFor(t, 30*time.Second, "the orphan inside the stale namespace", func() bool {
		return slices.Contains(netns.NSPids(stale), orphan.Process.Pid)
	})

	removed, err := netns.RemoveStale()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(removed, stale) || slices.Contains(removed, live) {
		t.Fatalf("removed %v; want %s removed and %s kept", removed, stale, live)
	}
	if _, err := os.Stat(netns.NSDir + "/" + stale); !os.IsNotExist(err) {
		t.Fatalf("stale namespace still there: %v", err)
	}
	if _, err := os.Stat(netns.NSDir + "/" + live); err != nil {
		t.Fatalf("live namespace removed: %v", err)
	}
	if err := orphan.Wait(); err == nil {
		t.Fatal("process in the stale namespace was not killed")
	}
}

func TestOwnerPid(t *testing.T) {
	cases := []struct {
		name string
		pid  int
		ok   bool
	}{
		{"xasolab-123-4-cluster-n1", 123, true},
		{"xasolab-123-4-cluster-br", 123, true},
		{"xasolab-x-4-a-n1", 0, false},
		{"xasolab--4-a", 0, false},
		{"other-123-4-a-n1", 0, false},
		{"xasolab", 0, false},
	}
	for _, c := range cases {
		pid, ok := netns.OwnerPid(c.name)
		if pid != c.pid || ok != c.ok {
			t.Errorf("netns.OwnerPid(%q) = %d, %v; want %d, %v", c.name, pid, ok, c.pid, c.ok)
		}
	}
}

func TestDialRejectsNames(t *testing.T) {
	for _, addr := range []string{"localhost:80", "example.org:443", "nope"} {
		if err := netns.Literal(addr); err == nil {
			t.Errorf("netns.Literal(%q) accepted a name", addr)
		}
	}
	for _, addr := range []string{"10.99.1.1:80", "[fd00::1]:80", ":0"} {
		if err := netns.Literal(addr); err != nil {
			t.Errorf("netns.Literal(%q): %v", addr, err)
		}
	}
}
