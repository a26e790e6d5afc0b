package store

import (
	"bytes"

	bolt "go.etcd.io/bbolt"

	"xaso/app"
)

// The names officials know the office's PCs by (app/pcname.go) live in
// bConfig under "pc/<node ID>".

var pcPrefix = []byte("pc/")

func pcKey(nodeID string) []byte { return append(append([]byte{}, pcPrefix...), nodeID...) }

// PCNames returns the office's PC names by node ID (cleared names left out).
func (s *Store) PCNames() (map[string]string, error) {
	out := map[string]string{}
	err := s.viewSetup(func(tx *bolt.Tx) error {
		cur := tx.Bucket(bConfig).Cursor()
		for k, v := cur.Seek(pcPrefix); k != nil && bytes.HasPrefix(k, pcPrefix); k, v = cur.Next() {
			var n app.PCName
			if err := unmarshalPacked(v, &n); err != nil {
				return err
			}
			if n.Name != "" {
				out[n.NodeID] = n.Name
			}
		}
		return nil
	})
	return out, err
}
