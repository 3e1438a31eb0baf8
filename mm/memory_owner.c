/*
 * Memory block owners: which driver answers for which memory block
 * (struct memory_owner, memory_hotplug.h), the registry and the
 * driver-managed add and remove. Apart from memory_hotplug.c because it is
 * a table of its own, read by online (which callback), memory_notify (whose
 * notify), remove (who may), lsmem and the checker; the blocks record only
 * an id (mm_section.owner), resolved here.
 */
#include "internal.h"

bool memory_owner_registered(const struct memory_owner *owner)
{
	return owner && owner->id >= 1 && owner->id <= MEMORY_OWNERS_MAX &&
	       mm.owners[owner->id - 1] == owner;
}

int register_memory_owner(struct memory_owner *owner)
{
	if (!owner || !owner->name || !owner->name[0]) {
		pr_err("register_memory_owner: an owner needs a name\n");
		return -EINVAL;
	}
	if (memory_owner_registered(owner)) {
		pr_err("register_memory_owner: %s is registered already\n",
		       owner->name);
		return -EINVAL;
	}
	for (int i = 0; i < MEMORY_OWNERS_MAX; i++) {
		if (mm.owners[i])
			continue;
		mm.owners[i] = owner;
		owner->id = (u8)(i + 1);
		return 0;
	}
	pr_err("register_memory_owner: %s: all %d owner slots are taken\n",
	       owner->name, MEMORY_OWNERS_MAX);
	return -ENOSPC;
}

/* Blocks owned by the owner with id `id`. */
static unsigned long owned_blocks(u8 id)
{
	unsigned long n = 0;

	for (unsigned long nr = 0; mm.sections && nr < mm.nr_sections; nr++)
		n += mm.sections[nr].owner == id;
	return n;
}

int unregister_memory_owner(struct memory_owner *owner)
{
	unsigned long n;

	if (!memory_owner_registered(owner))
		return -EINVAL;
	n = owned_blocks(owner->id);
	if (n) {
		pr_err("unregister_memory_owner: %s still owns %lu memory block(s)\n",
		       owner->name, n);
		return -EBUSY;
	}
	mm.owners[owner->id - 1] = NULL;
	owner->id = 0;
	return 0;
}

struct memory_owner *memory_block_owner(unsigned long block)
{
	if (!mm.ready || block >= mm.nr_sections)
		return NULL;
	return section_owner(&mm.sections[block]);
}

int add_memory_driver_managed(phys_addr_t start, u64 size, unsigned int flags,
			      struct memory_owner *owner)
{
	int ret;

	if (!memory_owner_registered(owner)) {
		pr_err("add_memory_driver_managed: %#llx: the owner is not registered\n",
		       (unsigned long long)start);
		return -EINVAL;
	}
	ret = add_memory(start, size, flags);
	if (ret)
		return ret;
	for (unsigned long nr = start / SECTION_SIZE;
	     nr < (start + size) / SECTION_SIZE; nr++)
		mm.sections[nr].owner = owner->id;
	return 0;
}

/* Every block of [first, last) is owner's (NULL: has no owner). */
int check_owner(unsigned long first, unsigned long last,
		       const struct memory_owner *owner, const char *who)
{
	for (unsigned long nr = first; nr < last; nr++) {
		const struct memory_owner *o = section_owner(&mm.sections[nr]);

		if (o == owner)
			continue;
		if (!owner)
			pr_err("%s: memory block %lu belongs to %s: only its driver may remove it\n",
			       who, nr, o->name);
		else
			pr_err("%s: memory block %lu is not %s's (owner: %s)\n",
			       who, nr, owner->name, o ? o->name : "none");
		return -EPERM;
	}
	return 0;
}

int remove_memory_driver_managed(phys_addr_t start, u64 size,
				 struct memory_owner *owner)
{
	if (!memory_owner_registered(owner)) {
		pr_err("remove_memory_driver_managed: %#llx: the owner is not registered\n",
		       (unsigned long long)start);
		return -EINVAL;
	}
	return do_remove_memory(start, size, owner, "remove_memory_driver_managed");
}
