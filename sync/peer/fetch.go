package peer

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"time"
)

// Files reach the other PCs lazily, by SHA-256: the command that names a
// file replicates at once, and each PC then copies the files it lacks from
// any peer that has them, one at a time in the background, so the desk
// never waits for a file to travel. Attachments (scans) travel this way;
// update packages will too.

// Blobs is a PC's store of files by SHA-256 (store.Blobs).
type Blobs interface {
	HasBlob(hash string) (bool, error)
	Blob(hash string) (io.ReadCloser, error)
	Put(hash string, r io.Reader, limit int64) error
}

// MaxBlob bounds a file copied from a peer (the desk's own limit is lower;
// an update's program is the largest file, 30–40 MB): one frame carries it.
const MaxBlob = MaxFrame - 1<<20

// OpFetch asks for a file: SHA-256 → the file's bytes; an error when the
// peer lacks it.
const OpFetch byte = 5

var errNoBlobs = errors.New("no file store on this PC")

// ServeFetch answers OpFetch from blobs (nil: every request fails).
func ServeFetch(blobs Blobs) Handler {
	return func(_ context.Context, req Request) ([]byte, error) {
		payload := req.Payload
		if blobs == nil {
			return nil, errNoBlobs
		}
		rc, err := blobs.Blob(string(payload))
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		return io.ReadAll(io.LimitReader(rc, MaxBlob+1))
	}
}

// Fetcher copies the wanted files this PC lacks from its peers.
type Fetcher struct {
	Pool     *Pool
	Blobs    Blobs
	Want     func() ([]string, error) // the hashes this PC should hold
	Peers    func() []string          // node IDs to ask, in order
	Interval time.Duration            // how often to look; default 10 s
	Log      *slog.Logger
}

// Run copies missing files every Interval until ctx ends.
func (f *Fetcher) Run(ctx context.Context) error {
	interval := f.Interval
	if interval <= 0 {
		interval = 10 * time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if n, err := f.FetchMissing(ctx); err != nil {
			f.Log.Warn("copy files from peers", "err", err, "copied", n)
		} else if n > 0 {
			f.Log.Info("copied files from peers", "count", n)
		}
	}
}

// FetchMissing copies each wanted file that is not here from the first
// peer that has it, and returns how many it copied.
func (f *Fetcher) FetchMissing(ctx context.Context) (int, error) {
	want, err := f.Want()
	if err != nil {
		return 0, err
	}
	peers := f.Peers()
	copied := 0
	for _, hash := range want {
		if ctx.Err() != nil {
			return copied, nil
		}
		if ok, err := f.Blobs.HasBlob(hash); err != nil || ok {
			continue
		}
		for _, id := range peers {
			cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			data, err := f.Pool.CallNode(cctx, id, OpFetch, []byte(hash))
			cancel()
			if err != nil {
				continue // that peer lacks it too, or is away: try the next
			}
			// Put checks the bytes hash to what was asked: a peer cannot plant a file.
			if err := f.Blobs.Put(hash, bytes.NewReader(data), MaxBlob); err != nil {
				f.Log.Warn("file from peer rejected", "hash", hash, "peer", id, "err", err)
				continue
			}
			copied++
			break
		}
	}
	return copied, nil
}
