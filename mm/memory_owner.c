/*
 * The memory owner registry: which driver answers for which memory block
 * (struct memory_owner, memory_hotplug.h). Apart from memory_hotplug.c
 * because it is a table of its own, read by online (which callback),
 * memory_notify (whose notify), remove (who may), lsmem and the checker;
 * the blocks record only an id (mm_section.owner), resolved here.
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
