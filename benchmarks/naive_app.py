"""The original FastAPI SQL tutorial's pattern, kept as written, folded into one file.

An untuned sync ``create_engine`` (5 connections + 10 overflow), ``create_all`` at import,
``SessionLocal()`` per request in a ``get_db`` generator dependency, ``def`` handlers, crud
functions that ``commit()`` then ``refresh()``; only the driver is psycopg 3. At c=64 it
deadlocks: its threads wait for connections that only other requests' dependency cleanup,
which needs a free thread, would return.
"""

# The tutorial's `db: Session = Depends(get_db)` defaults are kept as written.
# ruff: noqa: B008

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from fastapi import Depends, FastAPI, HTTPException
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Column, Integer, String, create_engine
from sqlalchemy.orm import Session, declarative_base, sessionmaker

# database.py
SQLALCHEMY_DATABASE_URL = os.environ["DATABASE_URL"]
engine = create_engine(SQLALCHEMY_DATABASE_URL)
SessionLocal = sessionmaker(autocommit=False, autoflush=False, bind=engine)
Base = declarative_base()


# models.py
class Item(Base):
    __tablename__ = "items"

    id = Column(Integer, primary_key=True, index=True)
    title = Column(String, index=True)
    description = Column(String, index=True)


# schemas.py
class ItemBase(BaseModel):
    title: str
    description: str | None = None


class ItemCreate(ItemBase):
    pass


class ItemSchema(ItemBase):
    model_config = ConfigDict(from_attributes=True)

    id: int


# crud.py
def get_item(db: Session, item_id: int) -> Any:
    return db.query(Item).filter(Item.id == item_id).first()


def get_items(db: Session, skip: int = 0, limit: int = 100) -> Any:
    return db.query(Item).offset(skip).limit(limit).all()


def create_item(db: Session, item: ItemCreate) -> Any:
    db_item = Item(**item.model_dump())
    db.add(db_item)
    db.commit()
    db.refresh(db_item)
    return db_item


# main.py
Base.metadata.create_all(bind=engine)

app = FastAPI()


def get_db() -> Iterator[Session]:
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


@app.post("/items/", response_model=ItemSchema)
def create_item_route(item: ItemCreate, db: Session = Depends(get_db)) -> Any:
    return create_item(db=db, item=item)


@app.get("/items/", response_model=list[ItemSchema])
def read_items(skip: int = 0, limit: int = 100, db: Session = Depends(get_db)) -> Any:
    return get_items(db, skip=skip, limit=limit)


@app.get("/items/{item_id}", response_model=ItemSchema)
def read_item(item_id: int, db: Session = Depends(get_db)) -> Any:
    db_item = get_item(db, item_id=item_id)
    if db_item is None:
        raise HTTPException(status_code=404, detail="Item not found")
    return db_item


@app.get("/health")  # the benchmark's additions: readiness, and the engine for the pool probe
def health(db: Session = Depends(get_db)) -> dict[str, str]:
    db.execute(Item.__table__.select().limit(1))
    return {"status": "ok"}


app.state.engine = engine
