package app

import (
	"hash/fnv"
	"slices"
)

// FreeSlot is the one rule for leasing a number slot to node, whether the
// node leases alone (LeaseLocal) or the cluster's leader grants it: the
// first slot nobody holds, starting from node's start slot (SlotStart), and
// the time of that slot's last command, after which the lease is stamped so
// it folds after every earlier one.
func FreeSlot(slots []SlotLease, node string) (slot int, after HLC, err error) {
	start := SlotStart(node)
	for i := range SlotCount {
		s := (start + i) % SlotCount
		j := slices.IndexFunc(slots, func(l SlotLease) bool { return l.Slot == s })
		if j < 0 {
			return s, 0, nil
		}
		if slots[j].Holder == "" {
			return s, slots[j].LastAt, nil
		}
	}
	return 0, 0, Errorf(EUnavailable, "", "Đã hết dải số hồ sơ để cấp cho máy này.", "no free number slot for this PC")
}

// SlotStart is the first slot a node asks for. It depends on the node ID,
// so that two PCs set up apart (which lease in separate clusters before
// they merge) rarely pick the same one.
func SlotStart(node string) int {
	h := fnv.New32a()
	h.Write([]byte(node))
	return int(h.Sum32() % SlotCount)
}
