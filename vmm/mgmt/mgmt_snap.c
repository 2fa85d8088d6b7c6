/*
 * The snapshot management calls (HC_SNAP_*): arguments checked and copied
 * out of the console domain's memory, then handed to vmm/snapshot/. Runs
 * as mgmt.c does: on the console domain's CPU, no lock held.
 */
#include "vmm/mgmt/mgmt_snap.h"

#include "lib/string.h"
#include "vmm/abi/hypercall_abi.h"
#include "vmm/abi/hypercall_types.h"
#include "vmm/core/vm.h"
#include "vmm/mgmt/mgmt_args.h"
#include "vmm/snapshot/snap_save.h"

#define LIST_MAX 4096

static bool has_nul(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!s[i])
			return true;
	return false;
}

/* The request at gpa, its strings checked for their NULs: 0 or -HV_E*. */
static int get_request(struct vcpu *caller, uint64_t gpa, struct hv_snap_request *req)
{
	int rc = mgmt_check_buffer(caller, gpa, sizeof(*req), sizeof(*req), sizeof(*req));

	if (rc)
		return rc;
	vm_copy_from_guest(caller->vm, req, gpa, sizeof(*req));
	if (!has_nul(req->name, sizeof(req->name)) || !has_nul(req->as, sizeof(req->as)))
		return -HV_ENAMETOOLONG;
	return 0;
}

/* Save and clone: the request at a[0], a result buffer at a[1], an error buffer a[2], a[3]. */
static int get_request_with_result(struct vcpu *caller, const uint64_t *a, struct hv_snap_request *req)
{
	int rc = get_request(caller, a[0], req);

	if (!rc)
		rc = mgmt_check_buffer(caller, a[1], sizeof(struct hv_snap_result), sizeof(struct hv_snap_result),
				  sizeof(struct hv_snap_result));
	if (!rc)
		rc = mgmt_check_buffer(caller, a[2], a[3], 1, MGMT_ERR_MAX);
	return rc;
}

static int64_t save_call(struct vcpu *caller, const uint64_t *a)
{
	struct hv_snap_request req;
	struct hv_snap_result out;
	struct snap_result res;
	const char *why;
	int rc = get_request_with_result(caller, a, &req);

	if (rc)
		return rc;
	if (snap_save(req.id, req.name, req.flags & HV_SNAP_STAY_PAUSED, req.flags & HV_SNAP_LIVE, &res,
		      &why)) {
		mgmt_put_error(caller, a[2], a[3], why);
		return -HV_EINVAL;
	}
	out.pause_us = res.pause_us;
	out.bytes = res.bytes;
	out.ram_pages = res.ram_pages;
	out.zero_pages = res.zero_pages;
	out.total_us = res.total_us;
	out.trapped_pages = res.trapped_pages;
	return vm_copy_to_guest(caller->vm, a[1], &out, sizeof(out)) ? -HV_EFAULT : 0;
}

static int64_t restore_call(struct vcpu *caller, const uint64_t *a)
{
	struct hv_snap_request req;
	const char *why;
	uint32_t id;
	int rc = get_request(caller, a[0], &req);

	if (!rc)
		rc = mgmt_check_buffer(caller, a[1], a[2], 1, MGMT_ERR_MAX);
	if (rc)
		return rc;
	if (snap_restore(req.name, req.as, &id, &why)) {
		mgmt_put_error(caller, a[1], a[2], why);
		return -HV_EINVAL;
	}
	return id;
}

static int64_t clone_call(struct vcpu *caller, const uint64_t *a)
{
	struct hv_snap_request req;
	struct hv_snap_result out;
	const char *why;
	uint32_t id;
	int rc = get_request_with_result(caller, a, &req);

	if (rc)
		return rc;
	memset(&out, 0, sizeof(out));
	if (snap_clone(req.id, req.as, &id, &out.pause_us, &why)) {
		mgmt_put_error(caller, a[2], a[3], why);
		return -HV_EINVAL;
	}
	return vm_copy_to_guest(caller->vm, a[1], &out, sizeof(out)) ? -HV_EFAULT : (int64_t)id;
}

static int64_t list_call(struct vcpu *caller, uint64_t gpa, uint64_t len)
{
	static char text[LIST_MAX];
	size_t n;
	int rc = mgmt_check_buffer(caller, gpa, len, 1, LIST_MAX);

	if (rc)
		return rc;
	n = snap_list(text, len < sizeof(text) ? (size_t)len : sizeof(text));
	return vm_copy_to_guest(caller->vm, gpa, text, n) ? -HV_EFAULT : (int64_t)n;
}

static int64_t corrupt_call(struct vcpu *caller, const uint64_t *a)
{
	struct hv_snap_request req;
	const char *why;
	int rc = get_request(caller, a[0], &req);

	if (!rc)
		rc = mgmt_check_buffer(caller, a[1], a[2], 1, MGMT_ERR_MAX);
	if (rc)
		return rc;
	if (snap_corrupt(req.name, req.offset, &why)) {
		mgmt_put_error(caller, a[1], a[2], why);
		return -HV_EINVAL;
	}
	return 0;
}

int64_t mgmt_snap_call(struct vcpu *caller, uint64_t nr, const uint64_t *a)
{
	struct hv_snap_request req;
	int rc;

	switch (nr) {
	case HC_SNAP_SAVE:
		return save_call(caller, a);
	case HC_SNAP_RESTORE:
		return restore_call(caller, a);
	case HC_SNAP_LIST:
		return list_call(caller, a[0], a[1]);
	case HC_SNAP_DELETE:
		rc = get_request(caller, a[0], &req);
		return rc ? rc : snap_delete(req.name) ? -HV_ENOENT : 0;
	case HC_SNAP_CORRUPT:
		return corrupt_call(caller, a);
	case HC_VM_CLONE:
		return clone_call(caller, a);
	default:
		return -HV_ENOSYS;
	}
}
